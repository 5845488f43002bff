/**
 * Which sanitizers can ever bridge a flow (docs/models.md). A sanitizer in `tier` with `peer`,
 * `method` and `direction` is only useful if some flow it bridges would otherwise be held at a
 * ceiling the bridge lifts; one that can never take effect is an error (SANITIZER-CANNOT-BRIDGE),
 * because a reviewer reading it would believe a path exists that the decision never grants.
 * The validator, the compiler and docs/rules.md all read this one table.
 */
import { TIER_NAMES } from '../i18n/messages.js';
import type { Direction, GuidelineModel, SanitizerMethod, SiteTier } from './types.js';

export type BridgeField = 'peer' | 'method' | 'direction';

/** A refusal says why in English (`reason`) and in Japanese (`ja`). */
export type BridgeVerdict = { ok: true } | { ok: false; field: BridgeField; reason: string; ja: string };

export const METHODS: readonly SanitizerMethod[] = ['mail-text', 'file-sanitize', 'screen-transfer'];
export const DIRECTIONS: readonly Direction[] = ['inbound', 'outbound', 'both'];

/** The flow a direction stands for: inbound = peer → tier, outbound = tier → peer. */
function halves(direction: Direction): ('inbound' | 'outbound')[] {
  return direction === 'both' ? ['inbound', 'outbound'] : [direction];
}

/**
 * The one direction of flow across a tier pair the tier model lets a sanitizer lift, or null
 * when every direction may be bridged, as [from tier, to tier].
 */
function onlyFlow(a: SiteTier, b: SiteTier, method: SanitizerMethod): [SiteTier, SiteTier] | null {
  if (a === 'mynumber' || b === 'mynumber') return ['lgwan', 'mynumber'];
  if (method === 'screen-transfer') return ['lgwan', 'internet'];
  return null;
}

/** The guideline models under which staff terminals sit in the internet tier (β, β′). */
export const BETA_MODELS: readonly GuidelineModel[] = ['beta', 'beta-prime'];

/** How the models are written in messages: `beta (β)`. */
export const MODEL_LABELS: Record<GuidelineModel, string> = { alpha: 'alpha (α)', 'alpha-prime': 'alpha-prime (α′)', beta: 'beta (β)', 'beta-prime': 'beta-prime (β′)' };
/** The same in Japanese messages: `βモデル（beta）`. */
export const MODEL_LABELS_JA: Record<GuidelineModel, string> = {
  alpha: 'αモデル（alpha）',
  'alpha-prime': 'α′モデル（alpha-prime）',
  beta: 'βモデル（beta）',
  'beta-prime': 'β′モデル（beta-prime）',
};

const TIER_JA = TIER_NAMES.ja;

/**
 * Under β and β′ staff work in the internet tier and reach LGWAN business systems through a
 * screen-transfer server in the LGWAN tier: that server bridges internet → LGWAN, the one flow
 * a screen-transfer sanitizer otherwise never lifts.
 */
function modelBridge(tier: SiteTier, peer: SiteTier, method: SanitizerMethod, from: SiteTier, model: GuidelineModel): boolean {
  return method === 'screen-transfer' && tier === 'lgwan' && peer === 'internet' && from === 'internet' && BETA_MODELS.includes(model);
}

/**
 * Whether a sanitizer in `tier` with this peer, method and direction can ever bridge a flow
 * under the guideline model (policy.model).
 */
export function canBridge(tier: SiteTier, peer: SiteTier, method: SanitizerMethod, direction: Direction, model: GuidelineModel = 'alpha'): BridgeVerdict {
  if (peer === tier) {
    return {
      ok: false,
      field: 'peer',
      reason: `peer ${peer} is the segment's own tier; a sanitizer bridges to another tier`,
      ja: `peer の ${peer}（${TIER_JA[peer]}）はセグメント自身の層です。無害化装置は別の層との間を橋渡しします`,
    };
  }
  const pair = [tier, peer].sort().join('/');
  if (pair === 'internet/mynumber') {
    return {
      ok: false,
      field: 'peer',
      reason: 'the My Number tier exchanges nothing with the internet tier (5(3)ア); only a file-sanitize import from LGWAN into My Number can be bridged',
      ja: 'マイナンバー利用事務系はインターネット接続系と通信しません（5(3)ア）。橋渡しできるのは、LGWAN接続系からマイナンバー利用事務系へのファイルの無害化（file-sanitize）による取り込みだけです',
    };
  }
  if ((tier === 'mynumber' || peer === 'mynumber') && method !== 'file-sanitize') {
    return {
      ok: false,
      field: 'method',
      reason: `${method} cannot bridge into the My Number tier (5(3)ア): only file-sanitize, as a one-way import from LGWAN`,
      ja: `${method} ではマイナンバー利用事務系との間を橋渡しできません（5(3)ア）。使えるのは、LGWAN接続系からの一方向の取り込みとしての file-sanitize だけです`,
    };
  }
  const only = onlyFlow(tier, peer, method);
  if (only) {
    const [from, to] = only;
    for (const half of halves(direction)) {
      const flowFrom = half === 'inbound' ? peer : tier;
      const flowTo = half === 'inbound' ? tier : peer;
      if (flowFrom === from && flowTo === to) continue;
      if (modelBridge(tier, peer, method, flowFrom, model)) continue;
      const want = tier === from ? 'outbound' : 'inbound';
      const why =
        to === 'mynumber'
          ? 'the My Number tier only takes sanitized files in from LGWAN and never sends out (5(3)ア)'
          : 'screen transfer is initiated from the LGWAN side (5(3)イ)';
      const whyJa =
        to === 'mynumber'
          ? 'マイナンバー利用事務系は LGWAN接続系から無害化したファイルを取り込むだけで、外へは送りません（5(3)ア）'
          : '画面転送は LGWAN接続系の側から開始します（5(3)イ）';
      const which = direction === 'both' ? `the ${half} half of direction both (${flowFrom} → ${flowTo})` : `direction ${half} (${flowFrom} → ${flowTo})`;
      const arrowJa = `${TIER_JA[flowFrom]} → ${TIER_JA[flowTo]}`;
      const whichJa = direction === 'both' ? `direction both のうち ${half} の向き（${arrowJa}）` : `direction ${half}（${arrowJa}）`;
      if (modelBridge(tier, peer, method, flowFrom, 'beta')) {
        // The declaration of a β city written under another model: say which models allow it.
        return {
          ok: false,
          field: 'direction',
          reason: `${which} can never take effect under model ${MODEL_LABELS[model]}: a screen-transfer server in the LGWAN tier that internet-tier terminals connect to is a bridge of models ${BETA_MODELS.map((m) => MODEL_LABELS[m]).join(' and ')} only (docs/models.md); set policy.model to one of them if staff terminals sit in the internet tier, else use direction ${want}`,
          ja: `${whichJa}は ${MODEL_LABELS_JA[model]} では効果を持ちません。インターネット接続系の端末が接続する LGWAN接続系の画面転送サーバは、${BETA_MODELS.map((m) => MODEL_LABELS_JA[m]).join('と')}だけの橋渡しです（docs/models.md）。職員の端末がインターネット接続系にあるなら policy.model をそのいずれかにし、そうでなければ direction ${want} にしてください`,
        };
      }
      return {
        ok: false,
        field: 'direction',
        reason: `${which} can never take effect: ${why}; use direction ${want}`,
        ja: `${whichJa}は効果を持ちません。${whyJa}。direction ${want} にしてください`,
      };
    }
  }
  return { ok: true };
}
