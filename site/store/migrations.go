package store

// migrations are applied in order; PRAGMA user_version records how many ran.
// Never edit a released migration: append a new one.
var migrations = []string{
	`CREATE TABLE users (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL UNIQUE,
		pass_hash TEXT NOT NULL,
		admin INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE tokens (
		id INTEGER PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		name TEXT NOT NULL,
		hash BLOB NOT NULL UNIQUE,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE logins (
		hash BLOB PRIMARY KEY,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		csrf TEXT NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		code TEXT NOT NULL,
		technician_id INTEGER NOT NULL REFERENCES users(id),
		customer_name TEXT NOT NULL DEFAULT '',
		customer_email TEXT NOT NULL DEFAULT '',
		password_hash TEXT NOT NULL DEFAULT '',
		security_hash BLOB NOT NULL,
		status TEXT NOT NULL,
		live INTEGER NOT NULL DEFAULT 1,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		downloaded_at INTEGER NOT NULL DEFAULT 0,
		activated_at INTEGER NOT NULL DEFAULT 0,
		ended_at INTEGER NOT NULL DEFAULT 0,
		email_sent_at INTEGER NOT NULL DEFAULT 0,
		identity BLOB,
		computer TEXT NOT NULL DEFAULT '',
		host TEXT NOT NULL DEFAULT '{}',
		platform TEXT NOT NULL DEFAULT '',
		remote_addr TEXT NOT NULL DEFAULT '',
		last_online INTEGER NOT NULL DEFAULT 0,
		online_since INTEGER NOT NULL DEFAULT 0,
		failed_codes INTEGER NOT NULL DEFAULT 0,
		locked INTEGER NOT NULL DEFAULT 0,
		jump_client_id TEXT NOT NULL DEFAULT ''
	);
	CREATE UNIQUE INDEX sessions_live_code ON sessions(code) WHERE live = 1;
	CREATE INDEX sessions_code ON sessions(code, created_at);
	CREATE INDEX sessions_due ON sessions(expires_at) WHERE live = 1;
	CREATE TABLE audit (
		id INTEGER PRIMARY KEY,
		at INTEGER NOT NULL,
		event TEXT NOT NULL,
		session_id TEXT NOT NULL DEFAULT '',
		jump_client_id TEXT NOT NULL DEFAULT '',
		actor TEXT NOT NULL DEFAULT '',
		remote_addr TEXT NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX audit_session ON audit(session_id, at);
	CREATE INDEX audit_at ON audit(at);`,
	`CREATE TABLE installers (
		id TEXT PRIMARY KEY,
		key_hash BLOB NOT NULL,
		platform TEXT NOT NULL,
		jump_group TEXT NOT NULL DEFAULT '',
		tag TEXT NOT NULL DEFAULT '',
		comments TEXT NOT NULL DEFAULT '',
		mode TEXT NOT NULL,
		created_by INTEGER NOT NULL REFERENCES users(id),
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);`,
	`CREATE TABLE jump_clients (
		id TEXT PRIMARY KEY,
		identity BLOB NOT NULL UNIQUE,
		installer_id TEXT NOT NULL,
		name TEXT NOT NULL,
		jump_group TEXT NOT NULL DEFAULT '',
		tag TEXT NOT NULL DEFAULT '',
		comments TEXT NOT NULL DEFAULT '',
		mode TEXT NOT NULL,
		host TEXT NOT NULL DEFAULT '{}',
		public_ip TEXT NOT NULL DEFAULT '',
		version TEXT NOT NULL DEFAULT '',
		disabled INTEGER NOT NULL DEFAULT 0,
		removed INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		last_seen INTEGER NOT NULL DEFAULT 0
	);`,
	// Passive jump clients (C9), hand uninstalls (C8), team groups and the
	// permission to see other technicians' personal groups (C10), and
	// single-use installers behind "Pin as Jump Client" (C2).
	`ALTER TABLE jump_clients ADD COLUMN passive INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE jump_clients ADD COLUMN uninstalled INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE users ADD COLUMN see_personal_groups INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE team_members (
		team TEXT NOT NULL,
		user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
		PRIMARY KEY (team, user_id)
	);
	ALTER TABLE installers ADD COLUMN passive INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE installers ADD COLUMN pin_session TEXT NOT NULL DEFAULT '';
	ALTER TABLE installers ADD COLUMN pin_name TEXT NOT NULL DEFAULT '';
	CREATE INDEX installers_pin ON installers(pin_session) WHERE pin_session != '';
	CREATE INDEX jump_clients_installer ON jump_clients(installer_id);`,
	// The package an installer's download serves (SPEC G).
	`ALTER TABLE installers ADD COLUMN package TEXT NOT NULL DEFAULT '';`,
	// Chat (D3): each session's messages, in the order they came.
	`CREATE TABLE chat_messages (
		id INTEGER PRIMARY KEY,
		session_id TEXT NOT NULL,
		sender TEXT NOT NULL,
		name TEXT NOT NULL DEFAULT '',
		text TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX chat_messages_session ON chat_messages(session_id, id);`,
	// Reboot and reconnect (B1–B4): when the computer began to reboot,
	// and whether into Safe Mode; the reaper looks for rebooting sessions.
	`ALTER TABLE sessions ADD COLUMN reboot_started_at INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE sessions ADD COLUMN reboot_safe_mode INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX sessions_rebooting ON sessions(status) WHERE status = 'rebooting';`,
	// Disabled users (a technician who left): kept for the history that
	// names them, refused at every login and request.
	`ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;`,
}
