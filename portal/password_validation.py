"""Password rules with their messages in Chinese.

Django 5.2's MinimumLengthValidator builds its error with "%d" while the zh_Hans
catalogue translates the "%(min_length)d" wording, so the message stays English.
"""

from django.contrib.auth import password_validation


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self):
        return f"密码太短,至少需要 {self.min_length} 个字符。"
