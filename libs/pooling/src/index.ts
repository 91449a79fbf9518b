// Public API of @pardon/pooling: filled in by its issue.
export {};
