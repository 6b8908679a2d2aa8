CREATE TABLE `campaigns` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`trunk_id` text NOT NULL,
	`sound_id` text NOT NULL,
	`list_id` text NOT NULL,
	`max_concurrent` integer NOT NULL,
	`calls_per_second` real NOT NULL,
	`ring_timeout_s` integer NOT NULL,
	`max_duration_s` integer NOT NULL,
	`retry` text NOT NULL,
	`window` text,
	`webhook_url` text,
	`webhook_secret_enc` text,
	`status` text NOT NULL,
	`counts` text,
	`started_at` integer,
	`finished_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `campaigns_owner_idx` ON `campaigns` (`owner_id`,`id`);--> statement-breakpoint
CREATE TABLE `contact_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`default_region` text NOT NULL,
	`stats` text NOT NULL,
	`contact_count` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `contact_lists_owner_idx` ON `contact_lists` (`owner_id`,`id`);--> statement-breakpoint
CREATE TABLE `contacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`list_id` text NOT NULL,
	`number` text NOT NULL,
	`name` text,
	`comment` text,
	`fields` text,
	`line` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `contacts_list_number_idx` ON `contacts` (`list_id`,`number`);--> statement-breakpoint
CREATE INDEX `contacts_list_id_idx` ON `contacts` (`list_id`,`id`);--> statement-breakpoint
CREATE TABLE `do_not_call` (
	`owner_id` text NOT NULL,
	`number` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `number`)
);
--> statement-breakpoint
CREATE TABLE `sip_trunks` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`host` text NOT NULL,
	`port` integer DEFAULT 5060 NOT NULL,
	`transport` text DEFAULT 'udp' NOT NULL,
	`username` text,
	`password_enc` text,
	`auth_username` text,
	`from_user` text,
	`caller_id` text,
	`domain` text,
	`codecs` text NOT NULL,
	`last_test` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sip_trunks_owner_idx` ON `sip_trunks` (`owner_id`,`id`);--> statement-breakpoint
CREATE TABLE `sounds` (
	`id` text PRIMARY KEY NOT NULL,
	`owner_id` text NOT NULL,
	`name` text NOT NULL,
	`format` text NOT NULL,
	`original_key` text NOT NULL,
	`converted_key` text,
	`duration_ms` integer NOT NULL,
	`size_bytes` integer NOT NULL,
	`sample_rate` integer NOT NULL,
	`channels` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sounds_owner_idx` ON `sounds` (`owner_id`,`id`);