import type { Migration } from 'kysely';
import * as m001 from './001_core';
import * as m002 from './002_accounts';
import * as m003 from './003_chat';
import * as m004 from './004_epochs';
import * as m005 from './005_client_ids_per_room';
import * as m006 from './006_name_keys';
import * as m007 from './007_health_probe';
import * as m008 from './008_max_pinned';
import * as m009 from './009_webhooks';
import * as m010 from './010_media';
import * as m011 from './011_entry_status';
import * as m012 from './012_require_image_credit';
import * as m013 from './013_entry_versions';
import * as m014 from './014_entry_templates';
import * as m015 from './015_entry_search';
import * as m016 from './016_push_follows';
import * as m017 from './017_reader_inbox';
import * as m018 from './018_push_manual';
import * as m019 from './019_polls';
import * as m020 from './020_user_blocks';
import * as m021 from './021_analytics';
import * as m022 from './022_questions';
import * as m023 from './023_entry_embeds';
import * as m024 from './024_analytics_push_sent';
import * as m025 from './025_cards';
import * as m026 from './026_analytics_days_detail';
import * as m027 from './027_inbox_item_gap';

/** Every migration in order; names sort as they run. */
export const migrations: Record<string, Migration> = {
  '001_core': m001,
  '002_accounts': m002,
  '003_chat': m003,
  '004_epochs': m004,
  '005_client_ids_per_room': m005,
  '006_name_keys': m006,
  '007_health_probe': m007,
  '008_max_pinned': m008,
  '009_webhooks': m009,
  '010_media': m010,
  '011_entry_status': m011,
  '012_require_image_credit': m012,
  '013_entry_versions': m013,
  '014_entry_templates': m014,
  '015_entry_search': m015,
  '016_push_follows': m016,
  '017_reader_inbox': m017,
  '018_push_manual': m018,
  '019_polls': m019,
  '020_user_blocks': m020,
  '021_analytics': m021,
  '022_questions': m022,
  '023_entry_embeds': m023,
  '024_analytics_push_sent': m024,
  '025_cards': m025,
  '026_analytics_days_detail': m026,
  '027_inbox_item_gap': m027,
};
