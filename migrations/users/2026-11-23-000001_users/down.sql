DROP TABLE login_failures;
DROP TABLE refresh_tokens;
DROP TABLE addresses;
DROP TABLE users;
