"""Who may use the API: roles, password hashing (argon2id) and JWT access tokens."""
