// search_page.mjs - the search page of `byline serve` in a real browser:
// Debian's chromium, headless, driven by playwright-core. Loads the page,
// types a query, sees autocomplete suggestions and moves through them with
// the keyboard, submits, finds highlighted results, pages forward and back
// (the URL keeps the query), runs a non-ASCII query, and saves screenshots.
//
//   node search_page.mjs BASE_URL OUT_DIR QUERY_PREFIX QUERY
// Exits 0 when every check holds, 1 otherwise (the failed check printed).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [base, outDir, prefix, query] = process.argv.slice(2);
if (!base || !outDir || !prefix || !query) {
  console.error('usage: node search_page.mjs BASE_URL OUT_DIR PREFIX QUERY');
  process.exit(2);
}

// Poll cond (an async function) from here, not in the page: the page's
// Content-Security-Policy forbids the eval that waitForFunction needs.
async function waitUntil(cond, what, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for ' + what);
}

function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what);
  console.log('ok - ' + what);
}

const profile = mkdtempSync(join(tmpdir(), 'byline-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
         '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
  viewport: { width: 1200, height: 900 },
});
let failed = false;
try {
  const page = context.pages()[0] || await context.newPage();
  const problems = [];
  let badQuerySent = false;    // its 400 is logged by the browser
  page.on('console', (m) => {
    if (m.type() === 'error' && !(badQuerySent && /status of 400/.test(m.text())))
      problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('request', (r) => {
    if (!r.url().startsWith(base)) problems.push('outside request: ' + r.url());
  });

  await page.goto(base + '/');
  check(await page.title() === 'byline search', 'the page loads');
  check(await page.evaluate(() => document.activeElement.id) === 'q',
        'the search box has the focus');

  // A slow typist: the list for the first letter is showing when the next
  // ones come; at once, before any new answer, it keeps only the words
  // that still complete what is typed.
  const items = page.locator('#suggestions li');
  await page.locator('#q').pressSequentially(prefix.slice(0, 1));
  await items.first().waitFor({ state: 'visible', timeout: 15000 });
  await page.locator('#q').pressSequentially(prefix.slice(1));
  const pruned = await items.allInnerTexts();
  check(pruned.every((t) => t.toLowerCase().startsWith(prefix.toLowerCase())),
        `typing on prunes the list shown: ${pruned.join(' | ')}`);
  await page.locator('#q').fill('');
  await page.waitForTimeout(300);

  // Autocomplete, from /suggest, debounced.
  await page.locator('#q').pressSequentially(prefix, { delay: 60 });
  await items.first().waitFor({ state: 'visible', timeout: 15000 });
  const texts = await items.allInnerTexts();
  check(texts.length > 0, `suggestions for "${prefix}": ${texts.join(' | ')}`);
  check(texts.every((t) => t.toLowerCase().startsWith(prefix.toLowerCase())),
        'every suggestion completes the prefix');
  check(await page.locator('#q').getAttribute('aria-expanded') === 'true',
        'the box says its list is open');
  await page.screenshot({ path: join(outDir, 'search-suggest.png') });
  await page.keyboard.press('ArrowDown');
  check(await items.first().getAttribute('aria-selected') === 'true',
        'ArrowDown selects the first suggestion');
  check(await page.locator('#q').inputValue() === texts[0],
        'the box shows the selected suggestion');
  await page.keyboard.press('Escape');
  check(await page.locator('#suggestions').isHidden(), 'Escape closes the list');

  // Submit a query with Enter.
  await page.locator('#q').fill(query);
  await page.keyboard.press('Enter');
  await page.locator('#results .hit').first().waitFor({ timeout: 15000 });
  const hits = await page.locator('#results .hit').count();
  const marks = await page.locator('#results .snippet mark').count();
  const status = await page.locator('#status').innerText();
  check(hits > 0, `${hits} results for "${query}" (${status})`);
  check(marks > 0, `${marks} highlighted words in the snippets`);
  check(/results? \(/.test(status), 'the total and the time are shown');
  check(new URL(page.url()).searchParams.get('q') === query,
        'the query is in the URL');
  const markup = await page.locator('#results .snippet, #results .hit h3 a').evaluateAll(
    (els) => els.flatMap((e) => [...e.querySelectorAll('*')].map((c) => c.tagName)));
  check(markup.every((t) => t === 'MARK'), 'snippets and titles hold no markup but <mark>');
  const titleMarks = await page.locator('#results .hit h3 mark').count();
  check(titleMarks > 0, `${titleMarks} highlighted words in the titles`);
  await page.screenshot({ path: join(outDir, 'search.png'), fullPage: true });

  // Paging and the back button.
  if (await page.locator('#next').isEnabled() && !(await page.locator('#pager').isHidden())) {
    const first = await page.locator('#results .hit h3').first().innerText();
    await page.locator('#next').click();
    await page.waitForURL(/page=2/);
    const firstTitle = page.locator('#results .hit h3').first();
    await waitUntil(async () => (await firstTitle.innerText()) !== first,
                    'page 2');
    check(true, 'the next page shows other results');
    await page.goBack();
    await waitUntil(async () => (await firstTitle.innerText()) === first,
                    'page 1 again');
    check(!/page=2/.test(page.url()), 'the back button returns to page 1');
  }

  // Filters: sort by date puts the newest first.
  await page.locator('#filters summary').click();
  await page.locator('#sort').selectOption('-date');
  await page.waitForURL(/sort=-date/);
  await page.locator('#results .hit').first().waitFor();
  check(true, 'sorting by date updates the URL and the results');

  // A non-ASCII query survives the round trip.
  await page.locator('#q').fill('Zürich café');
  await page.keyboard.press('Enter');
  await page.waitForURL(/Z%C3%BCrich/);
  await waitUntil(async () => !/Searching/.test(await page.locator('#status').innerText()),
                  'the non-ASCII search');
  check(await page.locator('#error').isHidden(), 'a non-ASCII query runs without error');
  check(await page.locator('#q').inputValue() === 'Zürich café', 'and stays as typed');

  // A malformed query: the server's message, with its position, is shown.
  badQuerySent = true;
  await page.locator('#q').fill('(oil AND');
  await page.keyboard.press('Enter');
  await page.locator('#error').waitFor({ state: 'visible', timeout: 15000 });
  const err = await page.locator('#error').innerText();
  check(/bad query: at \d+/.test(err), `a bad query is explained: ${err}`);

  // A phone-sized screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator('#q').fill(query);
  await page.keyboard.press('Enter');
  await page.locator('#results .hit').first().waitFor();
  const overflow = await page.evaluate(() =>
    document.documentElement.scrollWidth > window.innerWidth + 1);
  check(!overflow, 'no sideways scrolling on a phone-sized screen');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(outDir, 'search-phone.png') });

  check(problems.length === 0, 'no console errors or outside requests' +
        (problems.length ? ': ' + problems.join('; ') : ''));
} catch (e) {
  console.error(e.message);
  failed = true;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
