-- Every message moves its thread (last_seq, last_*_seq, last_message_at) and, from a player, its
-- session (last_activity_at). These three indexes covered exactly those columns (in a key, an
-- expression or a predicate), so no such update could be HOT: each wrote a new entry into every
-- index of the row (six on threads, five on sessions) and left a dead one behind for every
-- lookup of the row to walk past. Measured under the capacity mix at 1,000 players: of 9,506
-- thread updates and 3,550 session updates, 0 HOT (after: 3,567 of 3,810 and all). The sweeps that used them (idle threads, idle sessions, unanswered threads) read the
-- open rows through the partial indexes on closed_at / ended_at instead, which only a close moves.
DROP INDEX "threads_open_idle_idx";
DROP INDEX "threads_open_unanswered_pool_idx";
DROP INDEX "sessions_active_last_activity_at_idx";

-- Two partial indexes over the same open threads, keyed by pool and by session, cost the same to
-- a planner that thinks the table small: counting a session's open threads was planned on the
-- pool's (1,188 rows filtered per session, 59 ms per admission at 1,500 players). Nothing needs
-- the open threads of a pool fast (the unanswered-thread sweep is rare and reads all of them).
DROP INDEX "threads_open_pool_idx";

-- Room on each page for the new version of a row, so that the update can stay on its page (HOT).
ALTER TABLE "threads" SET (fillfactor = 70);
ALTER TABLE "sessions" SET (fillfactor = 80);
