// Public API of @pardon/coral: filled in by its issue.
export {};
