/**
 * The judging stage: the rules that turn readings into findings (data, not text), trends over
 * repeated runs, and what a test left on its way out. Internal to NoLeaks, not API: anything here
 * may change or disappear without notice.
 */
package dev.noleaks.internal.judge;
