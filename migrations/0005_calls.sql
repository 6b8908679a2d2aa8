CREATE TABLE `calls` (
	`id` text PRIMARY KEY NOT NULL,
	`caller_id` text NOT NULL,
	`callee_id` text NOT NULL,
	`started_at` integer NOT NULL,
	`answered_at` integer,
	`ended_at` integer NOT NULL,
	`duration_s` integer DEFAULT 0 NOT NULL,
	`end_code` integer NOT NULL,
	`end_reason` text NOT NULL,
	`ended_by` text NOT NULL,
	FOREIGN KEY (`caller_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`callee_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `calls_caller_idx` ON `calls` (`caller_id`,`id`);--> statement-breakpoint
CREATE INDEX `calls_callee_idx` ON `calls` (`callee_id`,`id`);