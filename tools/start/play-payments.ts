// The payments side of `npm run play`: an agent's offer (`payment_request`) is printed with how to
// pay it, `/pay` pays the latest open one with the player's local test wallet (the local game's
// chain funds it), and the settlement (`payment_settled`) is printed when it lands.
import type { ApiResponse, EventStream } from '@pardon/topology';
import { nameOf } from './play-score';

export const PAY_COMMAND = '/pay';

interface Offer {
  intentId: string;
  agentId: string;
  label: string;
  amountDisplay: string;
  expiresAt: string;
}

interface Settlement {
  intentId: string;
  status: 'verified' | 'late';
  bonusPoints: number;
  score: number;
}

export interface PaymentFollower {
  /** The newest offer not yet paid or expired; waits up to `waitMs` for one to arrive. */
  open(waitMs: number): Promise<Offer | undefined>;
  unfollow(): void;
}

/** Prints offers and settlements of the stream as they arrive. */
export function followPayments(stream: EventStream, show: (text: string) => void): PaymentFollower {
  const offers: Offer[] = [];
  const closed = new Set<string>();
  let arrived: (() => void) | undefined;
  const newest = () =>
    [...offers]
      .reverse()
      .find((o) => !closed.has(o.intentId) && Date.parse(o.expiresAt) > Date.now());
  const unfollow = stream.onNamed((name, data) => {
    if (name === 'payment_request') {
      const offer = data as Offer;
      offers.push(offer);
      arrived?.();
      show(
        `offer: ${offer.label} for ${offer.amountDisplay} from ${nameOf(offer.agentId)} — type ${PAY_COMMAND} to pay with your local test wallet (until ${new Date(offer.expiresAt).toLocaleTimeString()})`,
      );
    } else if (name === 'payment_settled') {
      const s = data as Settlement;
      closed.add(s.intentId);
      show(
        s.status === 'verified'
          ? `paid: +${s.bonusPoints} bonus points, your score is ${s.score}`
          : 'your payment arrived after the offer expired: it is recorded, an operator will refund it',
      );
    }
  });
  return {
    // `/pay` right after the message that asks for a service (a script, a pipe) waits for the offer.
    open: async (waitMs) => {
      const deadline = Date.now() + waitMs;
      while (!newest() && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          arrived = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        arrived = undefined;
      }
      return newest();
    },
    unfollow,
  };
}

/** What `/pay` prints for the gateway's answer. */
export function payResultLine(response: ApiResponse): string {
  if (response.status === 200) return 'payment sent and verified on chain';
  const error = String(response.json['error'] ?? response.status);
  const message = String(response.json['message'] ?? '');
  return `payment not taken (${error}): ${message}`;
}
