"""Watch (订阅): departments follow persons and are told when they enter or leave a list."""
