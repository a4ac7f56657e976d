// Checks of the extension in Restricted Mode: a workspace whose authors are not trusted.
// package.json declares `capabilities.untrustedWorkspaces.supported: true` (the extension only
// reads), so VS Code must leave it enabled there, and every view must work. scripts/e2e.mjs
// installs the packaged .vsix (an extension under development is never disabled, so only the
// installed one shows what the manifest does) and opens a fresh workbench on it with
// restrictedSettings() in the user settings; the other steps run with workspace trust off.
import { hoverShowsStates, showStateDiagram, showTree, statusBarShowsStates, until, waitForWorkbench } from './ui.mjs';

/**
 * User settings for the restricted run: workspace trust on, and no prompt at startup, so the
 * folder opens untrusted (Restricted Mode) without a dialog in the way.
 */
export function restrictedSettings() {
  return {
    'security.workspace.trust.enabled': true,
    'security.workspace.trust.startupPrompt': 'never',
    'security.workspace.trust.emptyWindow': false,
  };
}

/** The settings that put the other steps back in a trusted window. */
export function trustedSettings() {
  return { 'security.workspace.trust.enabled': false };
}

/** The checks. `expect`, `lines` and `pkg` are the ones runUiChecks gets. */
export async function runRestrictedChecks({ page, expect, lines, pkg, check }) {
  await check('restricted: the workbench opens the sample in Restricted Mode', async () => {
    await waitForWorkbench(page);
    await until('the Restricted Mode status bar item', async () => {
      const items = await page.locator('.statusbar .statusbar-item').allInnerTexts().catch(() => []);
      return items.some((t) => /Restricted Mode/i.test(t)) ? true : undefined;
    }, 15_000);
  });

  await check("restricted: the status bar shows both endpoints' states at the cursor", () => statusBarShowsStates(page, expect));

  await check("restricted: hovering a packet shows both endpoints' states", () => hoverShowsStates(page, expect, lines));

  await check('restricted: the tree lists the connections', async () => {
    const rows = await showTree(page, pkg, expect);
    if (!rows.some((r) => /States at line/.test(r))) throw new Error(`no census row among ${rows.length} rows`);
  });

  await check('restricted: TCP: Show State Diagram draws the diagram', async () => {
    await showStateDiagram(page, pkg, expect);
  });
}
