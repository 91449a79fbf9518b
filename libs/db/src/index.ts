// Public API of @pardon/db: filled in by its issue.
export {};
