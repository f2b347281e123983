import { type CommittedRow, RecentCommits } from './recent-commits.js';

function rows(from: number, to: number, text = 'x'): CommittedRow[] {
  return Array.from({ length: to - from + 1 }, (_, index) => ({ position: from + index, data: text, metadata: '' }));
}

function addAll(recent: RecentCommits<CommittedRow>, added: readonly CommittedRow[]): void {
  for (const row of added) recent.add(row);
}

const positions = (held: readonly CommittedRow[] | undefined): number[] | undefined => held?.map((row) => row.position);

describe('RecentCommits', () => {
  it('answers a span only when it holds every position of it', () => {
    const recent = new RecentCommits(100, 1_000);
    addAll(recent, rows(5, 7));
    addAll(recent, rows(8, 9));

    expect(positions(recent.span(4, 9))).toEqual([5, 6, 7, 8, 9]);
    expect(positions(recent.span(6, 8))).toEqual([7, 8]);
    expect(positions(recent.span(8, 9))).toEqual([9]);
    // Position 4 is not held, nor is 10.
    expect(recent.span(3, 9)).toBeUndefined();
    expect(recent.span(8, 10)).toBeUndefined();
    expect(recent.span(9, 9)).toBeUndefined();
  });

  it('starts again after a gap in the positions: another connection committed in between', () => {
    const recent = new RecentCommits(100, 1_000);
    addAll(recent, rows(1, 3));
    addAll(recent, rows(6, 7));

    expect(recent.span(2, 3)).toBeUndefined();
    expect(recent.span(3, 7)).toBeUndefined();
    expect(positions(recent.span(5, 7))).toEqual([6, 7]);
  });

  it('keeps at most its rows and its characters of text, dropping the oldest', () => {
    const byRows = new RecentCommits(3, 1_000);
    for (let position = 1; position <= 10; position += 1) addAll(byRows, rows(position, position));
    const byText = new RecentCommits(100, 10);
    addAll(byText, rows(1, 4, 'abcd'));
    const tooLong = new RecentCommits(100, 10);
    addAll(tooLong, rows(1, 1, 'x'.repeat(11)));

    expect(positions(byRows.span(7, 10))).toEqual([8, 9, 10]);
    expect(byRows.span(6, 10)).toBeUndefined();
    expect(positions(byText.span(2, 4))).toEqual([3, 4]);
    expect(byText.span(1, 4)).toBeUndefined();
    expect(tooLong.span(0, 1)).toBeUndefined();
  });

  it('holds nothing after clear', () => {
    const recent = new RecentCommits(100, 1_000);
    addAll(recent, rows(1, 3));
    recent.clear();
    addAll(recent, rows(4, 4));

    expect(recent.span(0, 4)).toBeUndefined();
    expect(positions(recent.span(3, 4))).toEqual([4]);
  });
});
