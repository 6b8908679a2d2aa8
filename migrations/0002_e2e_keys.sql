CREATE TABLE `e2e_devices` (
	`user_id` text NOT NULL,
	`device_id` text NOT NULL,
	`public_key_enc` text NOT NULL,
	`signed_prekey_enc` text,
	`key_blob_enc` text,
	`fingerprint` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`user_id`, `device_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `chats` ADD `e2e` integer DEFAULT false NOT NULL;