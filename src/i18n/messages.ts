/**
 * Decision messages in English and Japanese: one sentence each, citing the clause of the basic
 * policy (情報セキュリティ基本方針) the decision rests on. Wording follows the basic policy's own
 * terms (マイナンバー利用事務系, 通信経路の分割, 無害化通信, 自治体情報セキュリティクラウド).
 * Messages name rule ids and sanitizer methods, never CIDRs: rule sets are sensitive.
 */
import { DECISION_CODES, type CeilingCode, type DecisionCode } from '../problems/codes.js';
import type { Policy, SanitizerMethod, Tier } from '../model/types.js';
import type { DecisionRecord } from '../lookup/decision.js';

export type Lang = 'en' | 'ja';
export const LANGS: readonly Lang[] = ['en', 'ja'];
/** One text in every language: what a message must be to be shown in either. */
export type Text = Record<Lang, string>;

export const TIER_NAMES: Record<Lang, Record<Tier, string>> = {
  en: { mynumber: 'My Number tier', lgwan: 'LGWAN tier', internet: 'internet tier', outside: 'outside (the Internet)' },
  ja: { mynumber: 'マイナンバー利用事務系', lgwan: 'LGWAN接続系', internet: 'インターネット接続系', outside: '外部（インターネット）' },
};

export const METHOD_NAMES: Record<Lang, Record<SanitizerMethod, string>> = {
  en: { 'mail-text': 'mail text-ification', 'file-sanitize': 'file sanitization', 'screen-transfer': 'screen transfer' },
  ja: { 'mail-text': 'メール本文のテキスト化', 'file-sanitize': 'ファイルの無害化', 'screen-transfer': '画面転送' },
};

const CEILING_NAMES: Record<Lang, Record<CeilingCode, string>> = {
  en: {
    'CLOUD-AGGREGATION': 'aggregation through the security cloud',
    'MN-ISOLATION': 'the isolation of the My Number tier',
    'SPLIT-PATH': 'the split of communication paths',
    'MFA-REQUIRED': 'the multi-factor authentication requirement',
  },
  ja: {
    'CLOUD-AGGREGATION': '自治体情報セキュリティクラウドへの集約',
    'MN-ISOLATION': 'マイナンバー利用事務系の他の領域との通信の制限',
    'SPLIT-PATH': '通信経路の分割',
    'MFA-REQUIRED': '端末への多要素認証の要件',
  },
};

/** The city's clause text for a code (policy.clauses), else the built-in one, else null. */
export function clauseText(policy: Policy, code: DecisionCode): string | null {
  return policy.clauses[code] ?? DECISION_CODES[code].clause;
}

/**
 * The clause a decision cites: a ceiling denial its own; an exception, or a grant through a
 * sanitizer, the clause of the tier rule it lifts (unless the city names one for the code itself).
 */
export function decisionClause(policy: Policy, r: DecisionRecord): string | null {
  if (r.code === 'EXCEPTION' || (r.code === 'GRANTED' && r.ceiling)) {
    return policy.clauses[r.code] ?? (r.ceiling ? clauseText(policy, r.ceiling) : null);
  }
  return clauseText(policy, r.code);
}

function cite(lang: Lang, clause: string | null): string {
  if (!clause) return lang === 'en' ? '.' : '。';
  return lang === 'en' ? ` (${clause}).` : `（${clause}）。`;
}

export interface MessageContext {
  policy: Policy;
  /** Expiry of the deciding exception, for EXCEPTION. */
  expires: string | null;
}

export function decisionMessage(r: DecisionRecord, lang: Lang, ctx: MessageContext): string {
  const c = cite(lang, decisionClause(ctx.policy, r));
  const id = r.ruleId ?? '';
  const en = lang === 'en';
  const via = r.method ? METHOD_NAMES[lang][r.method] : null;
  switch (r.code) {
    case 'EXPLICIT-DENY':
      return en ? `Denied by deny rule ${id}${c}` : `拒否ルール ${id} により拒否されます${c}`;
    case 'CLOUD-AGGREGATION':
      return en
        ? `Communication with the Internet is aggregated through the prefecture's security cloud, so a direct flow is not allowed${c}`
        : `インターネットとの通信は自治体情報セキュリティクラウドに集約されており、直接の通信は許可されません${c}`;
    case 'MN-ISOLATION':
      return en
        ? `The My Number tier cannot communicate with other tiers; only a sanitized one-way import from the LGWAN tier may enter${c}`
        : `マイナンバー利用事務系は他の領域との通信ができないようにされており、この通信は許可されません${c}`;
    case 'SPLIT-PATH':
      if (ctx.policy.model === 'alpha-prime') {
        // α′: say what else crosses, so that a service missing from a breakout list reads right.
        return en
          ? `The communication paths between the LGWAN tier and the internet tier are split, and only sanitized communication, or local breakout from the LGWAN tier to an approved cloud service on its listed services, is allowed${c}`
          : `LGWAN接続系とインターネット接続系の通信経路は分割されており、無害化通信と、LGWAN接続系から承認されたクラウドサービスへのローカルブレイクアウト（指定されたサービスに限る）以外は許可されません${c}`;
      }
      return en
        ? `The communication paths between the LGWAN tier and the internet tier are split, and only sanitized communication is allowed${c}`
        : `LGWAN接続系とインターネット接続系の通信経路は分割されており、無害化通信以外は許可されません${c}`;
    case 'MFA-REQUIRED':
      return en
        ? `My Number terminals must use multi-factor authentication, which this terminal segment does not have${c}`
        : `マイナンバー利用事務系の端末には多要素認証の導入が必要ですが、この端末のセグメントでは有効になっていません${c}`;
    case 'EXCEPTION': {
      const lifted = r.ceiling ? CEILING_NAMES[lang][r.ceiling] : '';
      const until = ctx.expires ?? '';
      if (en) return `Allowed by exception ${id}, valid through ${until}, which lifts ${lifted}${via ? ` (path through ${via})` : ''}${c}`;
      return `例外 ${id}（${until}まで有効）により${lifted}が解除され、${via ? `${via}を経由して` : ''}許可されます${c}`;
    }
    case 'GRANTED':
      if (r.path === 'breakout') {
        if (en) return `Allowed by rule ${id} as local breakout (α′ model): the LGWAN tier reaches this approved cloud service in the internet tier directly${c}`;
        return `フロールール ${id} により、ローカルブレイクアウト（α′モデル）として、LGWAN接続系から承認されたインターネット接続系のクラウドサービスへの直接の通信が許可されます${c}`;
      }
      if (via) {
        const into = r.ceiling === 'MN-ISOLATION';
        if (en) return `Allowed by rule ${id} as sanitized communication (${via})${into ? ', a one-way import into the My Number tier' : ' across the split paths'}${c}`;
        return `フロールール ${id} により、${via}による無害化通信${into ? '（マイナンバー利用事務系への取り込み）' : ''}として許可されます${c}`;
      }
      return en ? `Allowed by rule ${id}${c}` : `フロールール ${id} により許可されます${c}`;
    case 'DEFAULT-ALLOW': {
      const tier = TIER_NAMES[lang][r.tier ?? 'lgwan'];
      return en ? `Allowed by the policy default for flows within the ${tier}${c}` : `${tier}内の通信はポリシーの既定により許可されます${c}`;
    }
    case 'NO-GRANT':
      return en ? `Denied because no rule grants this flow${c}` : `この通信を許可するルールがないため拒否されます${c}`;
  }
}
