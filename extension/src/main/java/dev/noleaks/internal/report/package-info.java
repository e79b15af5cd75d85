/**
 * The reporting stage: the text of verdicts and assertion failures. Internal to NoLeaks, not API:
 * anything here may change or disappear without notice.
 */
package dev.noleaks.internal.report;
