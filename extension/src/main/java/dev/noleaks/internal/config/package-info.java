/**
 * The configuration stage: settings as plain values, sizes and their words, ignores and lingering.
 * Internal to NoLeaks, not API: anything here may change or disappear without notice.
 */
package dev.noleaks.internal.config;
