// Locks in that a message id whose seq is beyond int4 (messages.seq) is no cursor: it parses as
// none, so listAfter refuses it as bad input instead of sending PostgreSQL an out-of-range int.
import { MAX_MESSAGE_SEQ, messageId, parseMessageId } from '../src';

const THREAD = '0b8f6c5e-3c1d-4d8e-9a3b-2f1e0d9c8b7a';

describe('parseMessageId', () => {
  it('parses seqs up to the int4 maximum and none beyond', () => {
    expect(parseMessageId(messageId(THREAD, 1))).toEqual({ threadId: THREAD, seq: 1 });
    expect(parseMessageId(messageId(THREAD, MAX_MESSAGE_SEQ))).toEqual({
      threadId: THREAD,
      seq: 2_147_483_647,
    });
    expect(parseMessageId(`${THREAD}-2147483648`)).toBeNull();
    expect(parseMessageId(`${THREAD}-9999999999`)).toBeNull();
  });
});
