import { Prisma } from '../generated/prisma/client';

/** Arbitrary-precision decimal used for money (payment amounts and volumes): never a float. */
export const Decimal = Prisma.Decimal;
export type Decimal = Prisma.Decimal;
