/**
 * The titles of the HTTP problem types (problem+json `title`) in Japanese, for callers that send
 * Accept-Language: ja. A Record over every code, so a new code without a Japanese title does not
 * compile. The `type` URI and `code` stay the same in every language.
 */
import type { ApiErrorCode } from '../problems/codes.js';

export const API_TITLES_JA: Record<ApiErrorCode, string> = {
  'MALFORMED-JSON': 'JSON の形式が正しくありません',
  'PROTOTYPE-POISONING': '使えないキーがあります',
  'INVALID-REQUEST': 'リクエストが正しくありません',
  'BAD-ADDRESS': 'アドレスが正しくありません',
  'BAD-SERVICE': 'サービスが正しくありません',
  'BAD-CHANGE-REQUEST': '変更申請が正しくありません',
  'BAD-DEVICE': '機器の設定を監査できません',
  'BAD-INTERFACES': 'インターフェースの対応付けが正しくありません',
  'BAD-HTTP': 'HTTP リクエストが正しくありません',
  UNAUTHORIZED: '認証されていません',
  FORBIDDEN: '権限がありません',
  'NOT-FOUND': '見つかりません',
  'METHOD-NOT-ALLOWED': 'このメソッドは使えません',
  'REQUEST-TIMEOUT': 'リクエストがタイムアウトしました',
  'BODY-TOO-LARGE': '本文が大きすぎます',
  'BATCH-TOO-LARGE': 'バッチが大きすぎます',
  'UNSUPPORTED-MEDIA-TYPE': '対応していないメディアタイプです',
  'HEADERS-TOO-LARGE': 'ヘッダーが大きすぎます',
  'BODY-NOT-ALLOWED': '本文は受け付けません',
  'NESTING-TOO-DEEP': '入れ子が深すぎます',
  'DUPLICATE-KEY': 'キーが重複しています',
  'TOO-MANY-RULES': 'ルールが多すぎます',
  'ANSWER-TOO-LARGE': '応答が大きすぎます',
  'HOST-NOT-ALLOWED': '宛先のホストが正しくありません',
  'RELOAD-FAILED': '再読み込みに失敗しました',
  'NOT-READY': '準備ができていません',
  OVERLOADED: '混み合っています',
  'TIME-BUDGET': '処理時間の上限を超えました',
  INTERNAL: '内部エラー',
};
