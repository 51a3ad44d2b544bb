-- Answers that carry a credential (a device's pairing, a staff sign-in) were kept in clear with their
-- Idempotency-Key, so a copy of the store handed out working tokens. They are now kept sealed
-- (hub/store/idempotency.ts); the ones kept in clear before are forgotten. A device retrying one of those
-- requests now pairs or signs in again, which is what it would have had to do anyway.
DELETE FROM `idempotency_keys` WHERE `body` LIKE '{"deviceToken":"dev\_%' ESCAPE '\' OR `body` LIKE '{"token":"stf\_%' ESCAPE '\';
