import { Type } from 'typebox';
import { ForwardPager } from './common.js';

/** getCampaigns schemas as in Market's components/schemas. */
export const PlacementType = Type.Enum(['FBS', 'FBY', 'DBS', 'LAAS'], {
  description: 'Модель, по которой работает магазин: FBS (FBS или Экспресс), FBY, DBS, LAAS.',
});

export const ApiAvailabilityStatusType = Type.Enum(
  ['AVAILABLE', 'DISABLED_BY_INACTIVITY', 'DISABLED_BY_NO_ACTIVE_CONTRACT', 'MANUALLY_DISABLED', 'DISABLED_BY_NO_PLACEMENT_TYPE'],
  { description: 'Возможность использовать API.' },
);

export const BusinessDTO = Type.Object(
  {
    id: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор кабинета.' })),
    name: Type.Optional(Type.String({ description: 'Название бизнеса.' })),
  },
  { description: 'Информация о кабинете.' },
);

export const CampaignDTO = Type.Object(
  {
    domain: Type.Optional(Type.String({ description: 'Название магазина.' })),
    id: Type.Optional(Type.Integer({ format: 'int64', minimum: 1, description: 'Идентификатор кампании (магазина).' })),
    clientId: Type.Optional(
      Type.Integer({ format: 'int64', deprecated: true, description: 'Идентификатор плательщика в Яндекс Балансе.' }),
    ),
    business: Type.Optional(BusinessDTO),
    placementType: Type.Optional(PlacementType),
    apiAvailability: Type.Optional(ApiAvailabilityStatusType),
  },
  { description: 'Информация о магазине.' },
);

export const FlippingPagerDTO = Type.Object(
  {
    total: Type.Optional(Type.Integer({ format: 'int32', description: 'Сколько всего найдено элементов.' })),
    from: Type.Optional(Type.Integer({ format: 'int32', description: 'Начальный номер найденного элемента на странице.' })),
    to: Type.Optional(Type.Integer({ format: 'int32', description: 'Конечный номер найденного элемента на странице.' })),
    currentPage: Type.Optional(Type.Integer({ format: 'int32', description: 'Текущая страница.' })),
    pagesCount: Type.Optional(Type.Integer({ format: 'int32', description: 'Общее количество страниц.' })),
    pageSize: Type.Optional(Type.Integer({ format: 'int32', description: 'Размер страницы.' })),
  },
  { description: 'Модель для пагинации.' },
);

/** Not wrapped in `status`/`result`, unlike the chat methods. */
export const GetCampaignsResponse = Type.Object(
  {
    campaigns: Type.Array(CampaignDTO, { description: 'Список с информацией по каждому магазину.' }),
    pager: Type.Optional(FlippingPagerDTO),
    paging: Type.Optional(ForwardPager),
  },
  { description: 'Магазины пользователя.' },
);
