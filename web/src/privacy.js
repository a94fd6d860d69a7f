// What a bundle promises about the people it was trained on, read from its metadata's
// `privacy` object (written by `hearth train`; core/train/mf/private_als.h). The page words
// it; this module only normalizes it, so that a missing or malformed statement reads as
// "not stated", never as private.

const finite = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/**
 * The PrivacyStatement of index.d.ts.
 * @param {Record<string, unknown>} meta the bundle's metadata
 * @returns {object}
 */
export function privacyOf(meta) {
  const p = meta && typeof meta === 'object' ? meta.privacy : undefined;
  if (!p || typeof p !== 'object' || typeof p.private !== 'boolean') {
    return { private: false, stated: false, note: 'the bundle does not say how it was trained' };
  }
  if (!p.private) {
    return { private: false, stated: true, note: typeof p.note === 'string' ? p.note : '' };
  }
  const epsilon = finite(p.epsilon);
  const delta = finite(p.delta);
  // A private claim without its numbers is not a claim the page can show.
  if (epsilon === null || delta === null || !(epsilon > 0) || !(delta > 0 && delta < 1)) {
    return { private: false, stated: false, note: 'the bundle claims privacy without a valid epsilon and delta' };
  }
  const bounds = p.bounds && typeof p.bounds === 'object' ? p.bounds : {};
  return {
    private: true,
    stated: true,
    unit: typeof p.unit === 'string' ? p.unit : 'user',
    epsilon,
    delta,
    mechanism: typeof p.mechanism === 'string' ? p.mechanism : '',
    accountant: typeof p.accountant === 'string' ? p.accountant : '',
    maxItemsPerUser: finite(bounds.max_items_per_user),
    minItemUsers: finite(p.min_item_users),
    notCovered: Array.isArray(p.not_covered) ? p.not_covered.filter((c) => typeof c === 'string') : [],
  };
}
