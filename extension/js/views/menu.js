// A menu button (the gear on each account): WAI-ARIA menu pattern, usable from the keyboard.

import { h } from '../dom.js';
import { icon } from '../icons.js';

let openMenu = null;

document.addEventListener('click', (event) => {
  if (openMenu && !openMenu.root.contains(event.target)) openMenu.close(false);
});

/**
 * @param {string} label accessible name of the button ("Actions for EDF")
 * @param {() => {label: string, onSelect: () => void, danger?: boolean, icon?: string}[]} itemsNow
 *   the items, built each time the menu opens (so they reflect the account's current state)
 */
export function menuButton(label, itemsNow) {
  const button = h('button', {
    type: 'button', class: ['icon-btn'], 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-label': label, title: label,
  }, icon('gear'));
  const list = h('div', { role: 'menu', class: 'menu', 'aria-label': label, hidden: true });
  const root = h('div', { class: 'menu-wrap' }, button, list);
  let entries = [];

  const controller = {
    root,
    open() {
      if (openMenu && openMenu !== controller) openMenu.close(false);
      entries = itemsNow().filter(Boolean).map((item, index) => entry(item, index)); // null: not offered now
      list.replaceChildren(...entries);
      list.hidden = false;
      button.setAttribute('aria-expanded', 'true');
      openMenu = controller;
      entries[0].focus();
    },
    close(focusButton = true) {
      list.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      if (openMenu === controller) openMenu = null;
      if (focusButton) button.focus();
    },
  };

  function entry(item, index) {
    const element = h('button', {
      type: 'button', role: 'menuitem', tabindex: '-1', class: ['menu-item', item.danger ? 'menu-item-danger' : null],
    }, item.icon ? icon(item.icon, 'icon icon-small') : null, item.label);
    element.addEventListener('click', () => {
      controller.close();
      item.onSelect();
    });
    element.addEventListener('keydown', (event) => {
      const moves = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        entries[(index + moves[event.key] + entries.length) % entries.length].focus();
      } else if (event.key === 'Home' || event.key === 'End') {
        event.preventDefault();
        entries[event.key === 'Home' ? 0 : entries.length - 1].focus();
      } else if (event.key === 'Escape' || event.key === 'Tab') {
        if (event.key === 'Escape') event.preventDefault();
        controller.close(event.key === 'Escape');
      }
    });
    return element;
  }

  button.addEventListener('click', () => (list.hidden ? controller.open() : controller.close()));
  button.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      controller.open();
    }
  });
  return root;
}
