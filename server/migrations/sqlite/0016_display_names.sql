-- People by name (issue #18): the name a user is shown by to others (lists, exports, the
-- directory); without one, the login name is shown.
ALTER TABLE users ADD COLUMN display_name TEXT;
