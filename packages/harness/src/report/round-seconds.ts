/** Seconds to one decimal, as a report records them (a build's time, a check's). */
export const roundSeconds = (seconds: number) => Math.round(seconds * 10) / 10;
