/** Messages of the settings page (web-b). */
import { addMessages } from '../i18n.js';

addMessages({
  en: {
    'settings.title': 'Settings',
    'settings.scoring': 'Scoring',
    'settings.k': 'k (share of silent visitors who are not dissatisfied), 0…1',
    'settings.neutral': 'Count neutral presses as dissatisfied',
    'settings.minSample': 'Minimum sample (fewer presses: “insufficient data”, never ranked)',
    'settings.misuse': 'Misuse rules',
    'settings.lockoutMs': 'Lock-out after a press, ms',
    'settings.burstCount': 'Burst: presses',
    'settings.burstWindowMs': 'Burst: within, ms',
    'settings.misuseHint': 'Changing the misuse rules judges every stored press again.',
    'settings.save': 'Save',
    'settings.saved': 'Saved.',
    'settings.unchanged': 'Nothing changed.',
    'settings.readOnly': 'Only an administrator can change the settings; you see them read-only.',
  },
  ru: {
    'settings.title': 'Настройки',
    'settings.scoring': 'Расчёт индексов',
    'settings.k': 'k (доля молчащих посетителей, которые не недовольны), 0…1',
    'settings.neutral': 'Считать нейтральные нажатия недовольством',
    'settings.minSample': 'Минимальная выборка (меньше нажатий — «мало данных», без места в рейтинге)',
    'settings.misuse': 'Правила злоупотреблений',
    'settings.lockoutMs': 'Блокировка после нажатия, мс',
    'settings.burstCount': 'Серия: нажатий',
    'settings.burstWindowMs': 'Серия: за, мс',
    'settings.misuseHint': 'После изменения правил все сохранённые нажатия проверяются заново.',
    'settings.save': 'Сохранить',
    'settings.saved': 'Сохранено.',
    'settings.unchanged': 'Ничего не изменено.',
    'settings.readOnly': 'Менять настройки может только администратор; вам они видны только для чтения.',
  },
});
