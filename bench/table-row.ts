/** One row of the bench's table (bench/run.ts prints them): a figure, what was measured, its target, met or not. */
export interface TableRow {
  figure: string;
  measured: string;
  target: string;
  met?: boolean;
}
