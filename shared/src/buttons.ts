/** A panel's three buttons. Free of TypeBox, so the kiosk's board process can use it without loading the contract (~12 MB). */
export const BUTTONS = ['good', 'neutral', 'bad'] as const;
