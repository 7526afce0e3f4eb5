/**
 * Messages in English and Russian (plain objects keyed by message id), and numbers and dates in the
 * viewer's language. The methodology's terms keep their Russian names, shown with the English ones.
 * The chosen language is kept in localStorage; without one, the browser's language decides.
 */
const en = {
  'app.title': 'Loyalty Button',
  'nav.overview': 'Overview',
  'nav.rankings': 'Rankings',
  'nav.fleet': 'Fleet',
  'nav.settings': 'Settings',
  'nav.data': 'Data entry',
  'nav.alerts': 'Alerts',
  'nav.subscriptions': 'Subscriptions',
  'nav.review': 'Review',
  'nav.interventions': 'Interventions',
  'nav.references': 'Reference values',
  'nav.signOut': 'Sign out',
  'nav.label': 'Pages',
  'role.admin': 'administrator',
  'role.technician': 'technician',
  'role.manager': 'manager',
  'role.metrics': 'metrics',
  'role.queue': 'queue',
  'role.reviewer': 'reviewer',
  'lang.switch': 'Русский',
  'signIn.title': 'Sign in',
  'signIn.key': 'API key',
  'signIn.submit': 'Sign in',
  'signIn.hint': 'Use the API key an administrator gave you. It is exchanged for a session; the key is not stored in the browser.',
  'signIn.bad': 'Sign-in failed: {message}',
  'error.title': 'Something went wrong',
  'error.notFound': 'Page not found',
  'error.network': 'The gateway cannot be reached',
  loading: 'Loading…',
  'period.label': 'Period',
  'chart.time': 'Time',
  'chart.lo': 'lower 95 % bound',
  'chart.hi': 'upper 95 % bound',
  'period.today': 'Today',
  'period.7d': '7 days',
  'period.thisMonth': 'This month',
  'period.lastMonth': 'Last month',
  'period.custom': 'Custom',
  'period.from': 'From',
  'period.to': 'To (incl.)',
  'period.apply': 'Apply',
  'index.inkStaff': 'ИНК Персонал (Staff CSI)',
  'index.inkQualified': 'ИНК Персонал, qualified (not-staff causes out)',
  'index.inkQualified.short': 'ИНК Персонал, qualified',
  'index.pending': 'pending review',
  'index.officeCaused': 'Office-caused (staff panels’ negatives put down to the office)',
  'index.officeCaused.short': 'Office-caused',
  'index.productCaused': 'Product-caused (staff panels’ negatives put down to the product)',
  'index.productCaused.short': 'Product-caused',
  'index.caused': '{n} classified negatives',
  'index.inkOffice': 'ИНК Офис (Office CSI)',
  'index.iel': 'ИЭЛ (Loyalty index)',
  'index.coverage': 'Охват (coverage)',
  'index.csat': 'CSAT (satisfaction share)',
  'index.inkStaff.short': 'ИНК Персонал',
  'index.inkOffice.short': 'ИНК Офис',
  'index.iel.short': 'ИЭЛ',
  'index.coverage.short': 'Охват',
  'index.csat.short': 'CSAT',
  'insufficient.badge': 'insufficient data',
  'insufficient.title': 'Fewer presses than the minimum sample ({n}): no value is shown as a result',
  'csv.export': 'CSV',
  'print.button': 'Print',
  'table.empty': 'Nothing to show',
  'col.name': 'Name',
  'col.value': 'Value',
  'col.ci': '95 % interval',
  'col.n': 'n',
  'col.change': 'Change',
  'col.rank': 'Rank',
  'overview.company': 'Company',
  'overview.regions': 'Regions',
  'overview.offices': 'Offices',
  'office.figures': 'Figures',
  'office.trends': 'Trends with 95 % intervals',
  'office.heatmap': 'Hour of day × weekday: {index}, share of dissatisfied presses, {from} – {to}',
  'office.desks': 'Desks',
  'office.employees': 'Employees',
  'office.rank': 'Place in office',
  'office.rankNote':
    'Places are within this office by ИНК Персонал (least dissatisfied first); an employee’s figure counts all their presses in the period.',
  'office.live': 'Latest presses',
  'office.liveWaiting': 'Presses appear here as they happen',
  'office.timeZone': 'Times in the office’s zone: {zone}',
  'office.previous': 'Previous period: {from} – {to}',
  'employee.breakdownHour': 'By hour of day',
  'employee.breakdownWeekday': 'By weekday',
  'employee.history': 'Desks and shifts',
  'employee.office': 'Office',
  'col.desk': 'Desk',
  'col.from': 'From',
  'col.to': 'To',
  'col.hour': 'Hour',
  'col.weekday': 'Weekday',
  'col.office': 'Office',
  'col.open': 'open',
  'button.good': 'good',
  'button.neutral': 'neutral',
  'button.bad': 'bad',
  'rankings.level': 'Level',
  'rankings.index': 'Index',
  'rankings.level.office': 'Offices',
  'rankings.level.region': 'Regions',
  'rankings.level.desk': 'Desks',
  'rankings.level.employee': 'Employees',
  'rankings.basis': 'Basis: {basis}',
  'rankings.basis.visitors': 'visitors',
  'rankings.basis.presses': 'presses',
  'rankings.uses': 'Ranked by {index}, {kind} panels',
  'rankings.kind.staff': 'staff',
  'rankings.kind.office': 'office',
  'rankings.kind.loyalty': 'loyalty',
  'rankings.previous': 'change against {from} – {to}',
  'col.pending': 'Pending review',
  'rankings.leftOut': 'Not ranked',
  'rankings.reason.insufficientSample': 'insufficient data',
  'rankings.reason.visitorsUnknown': 'visitors unknown',
} as const;

export type MessageId = keyof typeof en;
type Dictionary = Record<MessageId, string>;

const ru: Dictionary = {
  'app.title': 'Кнопка лояльности',
  'nav.overview': 'Обзор',
  'nav.rankings': 'Рейтинги',
  'nav.fleet': 'Киоски',
  'nav.settings': 'Настройки',
  'nav.data': 'Ввод данных',
  'nav.alerts': 'Оповещения',
  'nav.subscriptions': 'Подписки',
  'nav.review': 'Разбор',
  'nav.interventions': 'Мероприятия',
  'nav.references': 'Эталоны',
  'nav.signOut': 'Выйти',
  'nav.label': 'Разделы',
  'role.admin': 'администратор',
  'role.technician': 'техник',
  'role.manager': 'менеджер',
  'role.metrics': 'метрики',
  'role.queue': 'очередь',
  'role.reviewer': 'разбор',
  'lang.switch': 'English',
  'signIn.title': 'Вход',
  'signIn.key': 'API-ключ',
  'signIn.submit': 'Войти',
  'signIn.hint': 'Введите API-ключ, выданный администратором. Он обменивается на сеанс; в браузере ключ не хранится.',
  'signIn.bad': 'Вход не выполнен: {message}',
  'error.title': 'Что-то пошло не так',
  'error.notFound': 'Страница не найдена',
  'error.network': 'Шлюз недоступен',
  loading: 'Загрузка…',
  'period.label': 'Период',
  'chart.time': 'Время',
  'chart.lo': 'нижняя граница 95 %',
  'chart.hi': 'верхняя граница 95 %',
  'period.today': 'Сегодня',
  'period.7d': '7 дней',
  'period.thisMonth': 'Этот месяц',
  'period.lastMonth': 'Прошлый месяц',
  'period.custom': 'Произвольный',
  'period.from': 'С',
  'period.to': 'По (вкл.)',
  'period.apply': 'Применить',
  'index.inkQualified': 'ИНК Персонал, квалифицированный (без причин вне персонала)',
  'index.inkQualified.short': 'ИНК Персонал, квалиф.',
  'index.pending': 'не разобрано',
  'index.officeCaused': 'По вине офиса (негатив панелей персонала, отнесённый к офису)',
  'index.officeCaused.short': 'По вине офиса',
  'index.productCaused': 'По вине продукта (негатив панелей персонала, отнесённый к продукту)',
  'index.productCaused.short': 'По вине продукта',
  'index.caused': 'разобранных негативных ответов: {n}',
  'index.inkStaff': 'ИНК Персонал (Staff CSI)',
  'index.inkOffice': 'ИНК Офис (Office CSI)',
  'index.iel': 'ИЭЛ (Loyalty index)',
  'index.coverage': 'Охват (coverage)',
  'index.csat': 'CSAT (доля довольных)',
  'index.inkStaff.short': 'ИНК Персонал',
  'index.inkOffice.short': 'ИНК Офис',
  'index.iel.short': 'ИЭЛ',
  'index.coverage.short': 'Охват',
  'index.csat.short': 'CSAT',
  'insufficient.badge': 'мало данных',
  'insufficient.title': 'Нажатий меньше минимальной выборки ({n}): значение не считается результатом',
  'csv.export': 'CSV',
  'print.button': 'Печать',
  'table.empty': 'Нет данных',
  'col.name': 'Название',
  'col.value': 'Значение',
  'col.ci': '95 % интервал',
  'col.n': 'n',
  'col.change': 'Изменение',
  'col.rank': 'Место',
  'overview.company': 'Компания',
  'overview.regions': 'Регионы',
  'overview.offices': 'Офисы',
  'office.figures': 'Показатели',
  'office.trends': 'Динамика с 95 % интервалами',
  'office.heatmap': 'Час × день недели: {index}, доля недовольных нажатий, {from} – {to}',
  'office.desks': 'Стойки',
  'office.employees': 'Сотрудники',
  'office.rank': 'Место в офисе',
  'office.rankNote': 'Места — внутри этого офиса по ИНК Персонал (от наименее недовольных); у сотрудника учтены все его нажатия за период.',
  'office.live': 'Последние нажатия',
  'office.liveWaiting': 'Нажатия появятся здесь по мере поступления',
  'office.timeZone': 'Время в поясе офиса: {zone}',
  'office.previous': 'Предыдущий период: {from} – {to}',
  'employee.breakdownHour': 'По часам',
  'employee.breakdownWeekday': 'По дням недели',
  'employee.history': 'Стойки и смены',
  'employee.office': 'Офис',
  'col.desk': 'Стойка',
  'col.from': 'С',
  'col.to': 'По',
  'col.hour': 'Час',
  'col.weekday': 'День недели',
  'col.office': 'Офис',
  'col.open': 'открыта',
  'button.good': 'хорошо',
  'button.neutral': 'нейтрально',
  'button.bad': 'плохо',
  'rankings.level': 'Уровень',
  'rankings.index': 'Индекс',
  'rankings.level.office': 'Офисы',
  'rankings.level.region': 'Регионы',
  'rankings.level.desk': 'Стойки',
  'rankings.level.employee': 'Сотрудники',
  'rankings.basis': 'База: {basis}',
  'rankings.basis.visitors': 'посетители',
  'rankings.basis.presses': 'нажатия',
  'rankings.uses': 'Рейтинг по индексу {index}, панели: {kind}',
  'rankings.kind.staff': 'персонал',
  'rankings.kind.office': 'офис',
  'rankings.kind.loyalty': 'лояльность',
  'rankings.previous': 'изменение к периоду {from} – {to}',
  'col.pending': 'Не разобрано',
  'rankings.leftOut': 'Без места в рейтинге',
  'rankings.reason.insufficientSample': 'мало данных',
  'rankings.reason.visitorsUnknown': 'посетители неизвестны',
};

export type Lang = 'en' | 'ru';
const dictionaries: Record<Lang, Dictionary> = { en, ru };
const STORAGE_KEY = 'lb.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'ru') return saved;
  return navigator.language.toLowerCase().startsWith('ru') ? 'ru' : 'en';
}

let current: Lang = initialLang();

export function lang(): Lang {
  return current;
}

/** Switches the language and remembers it; the caller re-renders. */
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** Other parts (web-b's pages) may add their own messages under their own ids. */
export function addMessages(extra: Record<Lang, Record<string, string>>): void {
  Object.assign(dictionaries.en, extra.en);
  Object.assign(dictionaries.ru, extra.ru);
}

/** The message in the current language, `{name}` placeholders filled from params. */
export function t(id: MessageId | (string & {}), params: Record<string, string | number> = {}): string {
  const text = (dictionaries[current] as Record<string, string>)[id] ?? (dictionaries.en as Record<string, string>)[id] ?? id;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** The locale numbers and dates are shown in: the browser's own when it speaks the chosen language. */
export function locale(): string {
  const nav = navigator.language;
  return nav.toLowerCase().startsWith(current) ? nav : current === 'ru' ? 'ru-RU' : 'en-GB';
}

export function fmtNumber(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}

/** A share 0…1 as a percentage. */
export function fmtPercent(share: number | null | undefined, digits = 1): string {
  if (share === null || share === undefined || Number.isNaN(share)) return '—';
  return new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share);
}

/** A signed change, e.g. "+1,2"; percentage points when `points`. */
export function fmtChange(value: number | null | undefined, digits = 1, points = false): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  const v = points ? value * 100 : value;
  const s = new Intl.NumberFormat(locale(), {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    signDisplay: 'exceptZero',
  }).format(v);
  return points ? `${s} ${current === 'ru' ? 'п. п.' : 'pp'}` : s;
}

/** An instant in the given time zone (an office's own), or the viewer's when none. */
export function fmtDateTime(iso: string | number | Date, timeZone?: string | null): string {
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: timeZone ?? undefined }).format(
    new Date(iso),
  );
}

export function fmtTime(iso: string | number | Date, timeZone?: string | null): string {
  return new Intl.DateTimeFormat(locale(), { timeStyle: 'medium', timeZone: timeZone ?? undefined }).format(new Date(iso));
}

/** A local date YYYY-MM-DD as written in the viewer's language (no zone shift: it is already local). */
export function fmtDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.UTC(y!, m! - 1, d!));
}

/** Weekday names Monday = 1 … Sunday = 7, short, in the viewer's language. */
export function weekdayName(isoWeekday: number): string {
  // 2024-01-01 was a Monday.
  return new Intl.DateTimeFormat(locale(), { weekday: 'short', timeZone: 'UTC' }).format(Date.UTC(2024, 0, isoWeekday));
}
