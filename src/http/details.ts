/** Problem details more than one place of the service answers with, in English and Japanese. */
import type { Text } from '../i18n/messages.js';

export const NO_POLICY: Text = { en: 'no policy is loaded yet', ja: 'ポリシーがまだ読み込まれていません' };
export const SHUTTING_DOWN: Text = { en: 'the service is shutting down', ja: 'サービスは停止処理中です' };
export const INTERNAL_ERROR: Text = { en: 'an internal error occurred; it has been logged', ja: '内部エラーが発生しました。ログに記録されています' };
