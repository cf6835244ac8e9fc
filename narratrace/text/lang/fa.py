"""Persian: agency end markers «انتهای پیام», related-link lines, attribution «به گزارش», months."""
from __future__ import annotations

from .base import COMMON_ABBREVIATIONS, BaseDefaults

#: Gregorian months as Persian writes them; then the Solar Hijri (Jalali) months, numbered 1..12 of the
#: Solar Hijri year (Farvardin = 1, starting at the March equinox); ``text.jalali`` converts them
MONTHS = {
    "ژانویه": 1, "ژانویه‌": 1, "فوریه": 2, "مارس": 3, "آوریل": 4, "مه": 5, "می": 5, "ژوئن": 6, "ژوئیه": 7,
    "جولای": 7, "اوت": 8, "آگوست": 8, "سپتامبر": 9, "اکتبر": 10, "نوامبر": 11, "دسامبر": 12,
}
JALALI_MONTHS = {
    "فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "شهریور": 6, "مهر": 7, "آبان": 8,
    "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12,
}


class Persian(BaseDefaults):
    lang = "fa"
    name = "Persian"
    direction = "rtl"
    #: none of its own yet; Latin ones (Dr., U.S.) occur in Persian news
    abbreviations = COMMON_ABBREVIATIONS
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (
        ("end marker", ("انتهای پیام", "انتهای خبر", "پایان پیام", "پایان خبر")),
        ("related link", ("بیشتر بخوانید", "بخوانید:", "بخوانید :", "ادامه مطلب", "مطالب مرتبط", "اخبار مرتبط",
                          "مطلب مرتبط", "همچنین بخوانید")),
        ("share/subscribe", ("عضویت در کانال", "ما را در", "به کانال", "لینک کوتاه")),
    )
    tail_patterns = BaseDefaults.tail_patterns + (
        ("end marker", r"انتهای\s*پیام\s*/?\s*[\d۰-۹٠-٩]*\s*$"),
    )
    meta_prefixes = (("source line", ("منبع:", "منبع :", "منابع:")),
                     ("credit line", ("کد خبر", "کد مطلب", "تاریخ انتشار", "خبرنگار:", "عکس:", "ترجمه:")))
    attribution_openers = ("به گزارش",)
    desk_words = ("گروه", "سرویس", "خبرنگار", "بخش")
    outlet_kinds = ("خبرگزاری", "پایگاه خبری", "روزنامه")
    months = MONTHS
    jalali_months = JALALI_MONTHS
    reporting_verbs = frozenset({"گفت", "گفته", "افزود", "اعلام", "کرد", "داشت", "گزارش", "تاکید", "تأکید",
                                 "تصریح", "اظهار"})
    #: Persian function words absent from Arabic; Persian letters are shared with Urdu
    marker_letters = "پچژگ"
    marker_words = frozenset({"است", "را", "می", "این", "که", "از", "به", "با", "برای", "کرد", "شد", "بود",
                              "هستند", "های", "ها", "یک", "آن", "او", "تا", "نیز", "نمی", "کنم", "دارد", "هستم", "هستی",
                              "هستید", "ام", "دارم", "نه", "تو", "ترا", "رفتم", "چه", "چرا", "خیلی"})


LANGUAGE = Persian
