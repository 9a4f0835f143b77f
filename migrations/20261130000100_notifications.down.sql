DROP TABLE IF EXISTS sign_in_history;
DROP TABLE IF EXISTS notification_reads;
DROP TABLE IF EXISTS notifications;
