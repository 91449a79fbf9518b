-- A wallet's nonces, newest first: the per-wallet cap on live nonces reads them on every issue.
-- CreateIndex
CREATE INDEX "auth_nonces_wallet_created_at_idx" ON "auth_nonces"("wallet", "created_at");
