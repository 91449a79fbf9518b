-- Thread admission counts the open threads of the session's (task, pool) under the pool's
-- advisory lock. It counted them by probing every active session of the pool, and sessions stay
-- active long after their players leave (until they idle out): under the capacity mix the count
-- read 373 buffers per admission at 500 players and 1,276 at 1,000 a few minutes later (2.8 ms,
-- while every other admission to the pool waited 3.2 ms for the lock). The count is kept here
-- instead, by triggers on threads, so an admission reads one row.
CREATE TABLE "pool_open_threads" (
    "task_id" TEXT NOT NULL,
    "pool" TEXT NOT NULL,
    "open_threads" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "pool_open_threads_pkey" PRIMARY KEY ("task_id", "pool")
);

-- A thread opens (insert), closes or reopens (closed_at set or cleared) or goes (delete): its
-- session task and pool count move by one. Prisma migrate (driver adapter) splits a script at
-- every semicolon, quoted or not: bodies are E-strings with each inner semicolon written as its
-- octal escape (and no apostrophes in these comments).
CREATE FUNCTION pardon_count_open_threads() RETURNS trigger
LANGUAGE plpgsql AS E'DECLARE
  thread threads\073
  delta integer\073
BEGIN
  IF TG_OP = ''DELETE'' THEN
    thread := OLD\073 delta := -1\073
  ELSE
    thread := NEW\073
    delta := CASE WHEN NEW.closed_at IS NULL THEN 1 ELSE -1 END\073
  END IF\073
  INSERT INTO pool_open_threads AS p (task_id, pool, open_threads)
  SELECT s.task_id, thread.pool, delta FROM sessions s WHERE s.id = thread.session_id
  ON CONFLICT (task_id, pool) DO UPDATE SET open_threads = p.open_threads + EXCLUDED.open_threads\073
  RETURN NULL\073
END';

-- Triggers and the count of the threads already open in one statement (one transaction, with
-- writes to threads locked out), so that no thread is counted twice or missed.
DO E'BEGIN
  LOCK TABLE threads IN SHARE ROW EXCLUSIVE MODE\073
  CREATE TRIGGER threads_open_count_insert AFTER INSERT ON threads
    FOR EACH ROW WHEN (NEW.closed_at IS NULL) EXECUTE FUNCTION pardon_count_open_threads()\073
  CREATE TRIGGER threads_open_count_close AFTER UPDATE OF closed_at ON threads
    FOR EACH ROW WHEN ((OLD.closed_at IS NULL) <> (NEW.closed_at IS NULL))
    EXECUTE FUNCTION pardon_count_open_threads()\073
  CREATE TRIGGER threads_open_count_delete AFTER DELETE ON threads
    FOR EACH ROW WHEN (OLD.closed_at IS NULL) EXECUTE FUNCTION pardon_count_open_threads()\073
  INSERT INTO pool_open_threads (task_id, pool, open_threads)
  SELECT s.task_id, t.pool, count(*) FROM threads t JOIN sessions s ON s.id = t.session_id
  WHERE t.closed_at IS NULL GROUP BY s.task_id, t.pool\073
END';
