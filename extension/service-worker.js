// The toolbar button opens the side panel. Called each time the worker starts: Chrome may stop
// the worker at any time, and the call is cheap and idempotent.
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true })
  .catch((error) => console.error('setPanelBehavior failed', error));
