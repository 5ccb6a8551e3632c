DROP TABLE notifications;
DROP TABLE order_owners;
