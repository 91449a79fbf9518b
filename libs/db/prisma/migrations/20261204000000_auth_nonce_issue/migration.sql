-- Issues a sign-in nonce under the wallet cap on live nonces in one call (one round trip instead
-- of a five-statement transaction): under the wallet advisory lock (held until the calling
-- statement transaction ends), the wallet keeps its newest `keep` live nonces and the new one is
-- stored at least 1 ms after the wallet newest. The function is VOLATILE, so each statement in it
-- reads a fresh snapshot taken after the lock is held: a nonce committed by a concurrent issue is
-- counted, and the cap is never overshot. Prisma migrate (driver adapter) splits a script at
-- every semicolon, quoted or not: the body is an E-string with each inner semicolon written as
-- its octal escape (and no apostrophes in these comments).
CREATE FUNCTION pardon_issue_auth_nonce(
  p_nonce text,
  p_wallet varchar,
  p_message text,
  p_expires_at timestamptz,
  p_keep integer
) RETURNS void
LANGUAGE plpgsql VOLATILE AS E'BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended(''auth_nonces:'' || p_wallet, 0))\073
  DELETE FROM auth_nonces WHERE wallet = p_wallet AND nonce NOT IN (
    SELECT nonce FROM auth_nonces
    WHERE wallet = p_wallet AND used_at IS NULL AND expires_at > now()
    ORDER BY created_at DESC, nonce DESC LIMIT p_keep)\073
  INSERT INTO auth_nonces (nonce, wallet, message, expires_at, created_at)
  VALUES (p_nonce, p_wallet, p_message, p_expires_at, GREATEST(clock_timestamp(),
    (SELECT max(created_at) + interval ''1 millisecond'' FROM auth_nonces WHERE wallet = p_wallet)))
  ON CONFLICT (nonce) DO NOTHING\073
END';
