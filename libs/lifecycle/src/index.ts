// Public API of @pardon/lifecycle: filled in by its issue.
export {};
