// startLocalChain: a LiteSVM ledger with the game's token set up (mint, treasury and its
// associated token account), behind a real JSON-RPC HTTP server on loopback.
import {
  type Address,
  type Blockhash,
  type Instruction,
  appendTransactionMessageInstructions,
  compileTransaction,
  createNoopSigner,
  createTransactionMessage,
  getBase64Decoder,
  getBase64Encoder,
  lamports,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  getTransactionEncoder,
} from '@solana/kit';
import { getCreateAccountInstruction, getTransferSolInstruction } from '@solana-program/system';
import {
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintSize,
  getMintToCheckedInstruction,
} from '@solana-program/token';
import nacl from 'tweetnacl';
import {
  SYSTEM_PROGRAM,
  TOKEN_PROGRAM,
  associatedTokenAddressSync,
  isAddress,
  transactionMessageBytes,
  withSignature,
} from '@pardon/solana';
import { Ledger, base58 } from './ledger';
import { rpcMethods } from './rpc';
import { listen } from './server';

export const LAMPORTS_PER_SOL = 1_000_000_000n;
/** What the faucet (and fund) airdrops with the tokens, so a wallet can pay fees and rent. */
export const FAUCET_LAMPORTS = LAMPORTS_PER_SOL;
const COMPUTE_BUDGET_PROGRAM = 'ComputeBudget111111111111111111111111111111';
/** The chain's own bank: pays every setup transaction and every airdrop. */
const BANK_LAMPORTS = 1_000_000n * LAMPORTS_PER_SOL;

export interface LocalChain {
  /** the JSON-RPC endpoint, http://127.0.0.1:<port> */
  url: string;
  mint: string;
  decimals: number;
  treasury: string;
  /** mints `tokens` whole tokens (of `mint`, default the game's) to the wallet's associated token account, creating it, and airdrops `lamports` (default 1 SOL) */
  fund(wallet: string, tokens: bigint, lamports?: bigint, mint?: string): Promise<void>;
  close(): Promise<void>;
  /** test helpers: the 64-byte secret of the mint authority (also the fee payer of setup transactions) */
  mintAuthoritySecret: Uint8Array;
  /** a second mint (same decimals and authority), for wrong-mint payments */
  createOtherMint(): Promise<string>;
}

export interface LocalChainOptions {
  /** default 127.0.0.1; the faucet is only served on a loopback host */
  host?: string;
  /** default 0: a free port */
  port?: number;
  /** default 6 */
  decimals?: number;
  /** 64-byte ed25519 secret of the mint's keypair, for a stable mint address across runs */
  mintSecret?: Uint8Array;
  /** the treasury wallet (owner of the receiving token account); generated when absent */
  treasury?: string;
}

export async function startLocalChain(opts: LocalChainOptions = {}): Promise<LocalChain> {
  const decimals = opts.decimals ?? 6;
  const ledger = new Ledger();
  const bank = nacl.sign.keyPair();
  const bankAddress = base58(bank.publicKey);
  // Genesis: the bank's balance is written directly (LiteSVM's own airdrop pool is smaller).
  ledger.svm.setAccount({
    address: bankAddress as Address,
    data: new Uint8Array(),
    executable: false,
    lamports: lamports(BANK_LAMPORTS),
    programAddress: SYSTEM_PROGRAM as Address,
    space: 0n,
  });

  // Two identical setup transactions under one blockhash would be one transaction (a second
  // fund of the same wallet, say): each carries its own compute-unit price, as a nonce.
  let setupNonce = 0n;
  const uniqueSetup = (): Instruction => {
    setupNonce += 1n;
    const data = new Uint8Array(9);
    data[0] = 3; // ComputeBudgetInstruction::SetComputeUnitPrice(u64 micro-lamports)
    new DataView(data.buffer).setBigUint64(1, setupNonce, true);
    return { programAddress: COMPUTE_BUDGET_PROGRAM as Address, data };
  };

  /** Builds, signs (bank + extra keypairs) and lands a setup transaction. */
  const run = (instructions: Instruction[], extraSigners: nacl.SignKeyPair[] = []): string => {
    instructions = [uniqueSetup(), ...instructions];
    const { blockhash, lastValidBlockHeight } = ledger.latestBlockhash();
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(bankAddress as Address, m),
      (m) =>
        setTransactionMessageLifetimeUsingBlockhash(
          { blockhash: blockhash as Blockhash, lastValidBlockHeight },
          m,
        ),
      (m) => appendTransactionMessageInstructions(instructions, m),
    );
    let wire = getBase64Decoder().decode(
      getTransactionEncoder().encode(compileTransaction(message)),
    );
    for (const kp of [bank, ...extraSigners]) {
      wire = withSignature(
        wire,
        base58(kp.publicKey),
        nacl.sign.detached(transactionMessageBytes(wire), kp.secretKey),
      );
    }
    return ledger.submit(new Uint8Array(getBase64Encoder().encode(wire)), { skipPreflight: false });
  };
  const bankSigner = createNoopSigner(bankAddress as Address);

  const createMint = (kp: nacl.SignKeyPair): string => {
    const mint = base58(kp.publicKey) as Address;
    const space = getMintSize();
    run(
      [
        getCreateAccountInstruction({
          payer: bankSigner,
          newAccount: createNoopSigner(mint),
          lamports: ledger.svm.minimumBalanceForRentExemption(BigInt(space)),
          space,
          programAddress: TOKEN_PROGRAM as Address,
        }),
        getInitializeMint2Instruction({ mint, decimals, mintAuthority: bankAddress as Address }),
      ],
      [kp],
    );
    return mint;
  };

  const ensureAta = (owner: string, mint: string): string => {
    const ata = associatedTokenAddressSync(owner, mint);
    if (!ledger.tokenAccount(ata)) {
      run([
        getCreateAssociatedTokenIdempotentInstruction({
          payer: bankSigner,
          ata: ata as Address,
          owner: owner as Address,
          mint: mint as Address,
        }),
      ]);
    }
    return ata;
  };

  const airdrop = (address: string, amount: bigint): string =>
    run([
      getTransferSolInstruction({ source: bankSigner, destination: address as Address, amount }),
    ]);

  const mintKeypair = opts.mintSecret
    ? nacl.sign.keyPair.fromSecretKey(opts.mintSecret)
    : nacl.sign.keyPair();
  const mint = createMint(mintKeypair);
  const treasury = opts.treasury ?? base58(nacl.sign.keyPair().publicKey);
  if (!isAddress(treasury)) throw new TypeError(`treasury is not a Solana address: ${treasury}`);
  ensureAta(treasury, mint);

  const fund = async (
    wallet: string,
    tokens: bigint,
    lamportsToAdd = FAUCET_LAMPORTS,
    which = mint,
  ) => {
    if (!isAddress(wallet)) throw new TypeError(`not a Solana address: ${wallet}`);
    if (tokens < 0n) throw new TypeError('tokens must not be negative');
    const ata = ensureAta(wallet, which);
    const amount = tokens * 10n ** BigInt(ledger.decimals(which));
    const signatures: string[] = [];
    if (amount > 0n) {
      signatures.push(
        run([
          getMintToCheckedInstruction({
            mint: which as Address,
            token: ata as Address,
            mintAuthority: bankSigner,
            amount,
            decimals: ledger.decimals(which),
          }),
        ]),
      );
    }
    if (lamportsToAdd > 0n) signatures.push(airdrop(wallet, lamportsToAdd));
    return { ata, signatures };
  };

  const server = await listen({
    host: opts.host ?? '127.0.0.1',
    port: opts.port ?? 0,
    methods: rpcMethods(ledger, { airdrop }),
    faucet: ({ wallet, tokens }) => fund(wallet, tokens),
  });

  return {
    url: server.url,
    mint,
    decimals,
    treasury,
    mintAuthoritySecret: bank.secretKey,
    fund: async (wallet, tokens, lamportsToAdd, which) => {
      await fund(wallet, tokens, lamportsToAdd, which);
    },
    createOtherMint: async () => createMint(nacl.sign.keyPair()),
    close: () => server.close(),
  };
}
