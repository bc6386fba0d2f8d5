import { describe, expect, it } from 'vitest';
import { gather } from './gather.js';

const turn = () => new Promise((tick) => setImmediate(tick));

describe('gather', () => {
  it('holds those who pass until every expected party has passed or left, then lets them all go', async () => {
    const meeting = gather(3);
    const [a, b, c] = [meeting.join(), meeting.join(), meeting.join()];
    const gone: string[] = [];
    void a.pass().then(() => gone.push('a'));
    void b.pass().then(() => gone.push('b'));
    await turn();
    expect(gone).toEqual([]);
    c.leave();
    await turn();
    expect(gone).toEqual(['a', 'b']);
  });

  it('counts a party once, however often it leaves', async () => {
    const meeting = gather(3);
    const [a, b, c] = [meeting.join(), meeting.join(), meeting.join()];
    a.leave();
    a.leave();
    let gone = false;
    void b.pass().then(() => (gone = true));
    await turn();
    expect(gone).toBe(false);
    c.leave();
    await turn();
    expect(gone).toBe(true);
  });

  it('lets a party go at once when the meeting is already complete, and the last to pass goes too', async () => {
    const meeting = gather(1);
    await meeting.join().pass();
    await meeting.join().pass();
    const none = gather(0);
    await none.join().pass();
  });

  it('does not let a party that passes after leaving count twice', async () => {
    const meeting = gather(2);
    const [a, b] = [meeting.join(), meeting.join()];
    a.leave();
    let gone = false;
    void a.pass().then(() => (gone = true));
    await turn();
    expect(gone).toBe(false);
    b.leave();
    await turn();
    expect(gone).toBe(true);
  });
});
