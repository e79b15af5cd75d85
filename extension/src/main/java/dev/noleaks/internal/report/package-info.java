/**
 * The reporting stage: {@code Messages}, the one place the text people read is made from the
 * findings and readings (failure messages, report entries, notes, the assertions' messages).
 * Internal to NoLeaks, not API: anything here may change or disappear without notice.
 */
package dev.noleaks.internal.report;
