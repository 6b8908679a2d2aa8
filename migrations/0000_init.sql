CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text,
	`email_verified_at` integer,
	`phone` text,
	`username` text,
	`password_hash` text,
	`display_name` text NOT NULL,
	`first_name` text,
	`last_name` text,
	`age` integer,
	`gender` text,
	`role` text DEFAULT 'user' NOT NULL,
	`theme` text DEFAULT 'day' NOT NULL,
	`text_scale` real DEFAULT 1 NOT NULL,
	`recents` text DEFAULT '[]' NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`search_name` text DEFAULT '' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (`email`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_phone_unique` ON `users` (`phone`);--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE INDEX `users_search_name_idx` ON `users` (`search_name`);