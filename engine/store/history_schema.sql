-- revision: 0004
-- history.db's schema as its migrations make it; written by
-- `python -m engine.store.history_schema`, never by hand.
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE blueprint_version (
	sha256 VARCHAR NOT NULL, 
	scenario VARCHAR NOT NULL, 
	content BLOB NOT NULL, 
	size INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (sha256)
);
CREATE TABLE history_meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE execution (
	num INTEGER NOT NULL, 
	id VARCHAR NOT NULL, 
	scenario VARCHAR NOT NULL, 
	blueprint_sha256 VARCHAR, 
	kind VARCHAR NOT NULL, 
	"trigger" VARCHAR NOT NULL, 
	status VARCHAR NOT NULL, 
	started_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	operations INTEGER NOT NULL, 
	data_transfer INTEGER NOT NULL, 
	incomplete_executions INTEGER NOT NULL, 
	check_run BOOLEAN NOT NULL, 
	confidential BOOLEAN NOT NULL, 
	resumed_from VARCHAR, 
	error BLOB, 
	summary BLOB, 
	stored_bytes INTEGER NOT NULL, paused_s FLOAT DEFAULT '0' NOT NULL, 
	PRIMARY KEY (num), 
	FOREIGN KEY(blueprint_sha256) REFERENCES blueprint_version (sha256), 
	UNIQUE (id)
);
CREATE INDEX ix_execution_scenario_started ON execution (scenario, started_at);
CREATE INDEX ix_execution_started_at ON execution (started_at);
CREATE TABLE execution_blob (
	execution_num INTEGER NOT NULL, 
	sha256 VARCHAR NOT NULL, 
	PRIMARY KEY (execution_num, sha256), 
	FOREIGN KEY(execution_num) REFERENCES execution (num) ON DELETE CASCADE
);
CREATE TABLE operation (
	id INTEGER NOT NULL, 
	execution_num INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	kind VARCHAR NOT NULL, 
	cycle INTEGER NOT NULL, 
	module_id INTEGER NOT NULL, 
	duration_ms FLOAT NOT NULL, 
	filter_passed BOOLEAN, 
	output_count INTEGER NOT NULL, 
	error BLOB, 
	input BLOB, 
	outputs BLOB, 
	PRIMARY KEY (id), 
	FOREIGN KEY(execution_num) REFERENCES execution (num) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_operation_execution_seq ON operation (execution_num, seq);
CREATE TABLE operation_batch (
	execution_num INTEGER NOT NULL, 
	first_seq INTEGER NOT NULL, 
	count INTEGER NOT NULL, 
	cycle INTEGER NOT NULL, 
	content BLOB NOT NULL, 
	PRIMARY KEY (execution_num, first_seq), 
	FOREIGN KEY(execution_num) REFERENCES execution (num) ON DELETE CASCADE
);
INSERT INTO alembic_version (version_num) VALUES ('0004');
