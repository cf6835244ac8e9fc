"""Arabic: related-link and source lines, Levantine and Egyptian month names, "د." abbreviation."""
from __future__ import annotations

from .base import COMMON_ABBREVIATIONS, BaseDefaults

MONTHS = {
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "مايو": 5, "يونيو": 6, "يوليو": 7,
    "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نوفمبر": 11, "ديسمبر": 12,
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "نيسان": 4, "أيار": 5, "حزيران": 6, "تموز": 7, "آب": 8,
    "أيلول": 9, "تشرين الأول": 10, "تشرين الثاني": 11, "كانون الأول": 12,
}


class Arabic(BaseDefaults):
    lang = "ar"
    name = "Arabic"
    direction = "rtl"
    #: single letters are already kept (initials); these are longer abbreviations
    abbreviations = COMMON_ABBREVIATIONS | {"د", "م", "ص", "ق", "ج", "أ", "ه", "ق.م", "أ.د"}
    boilerplate_prefixes = BaseDefaults.boilerplate_prefixes + (
        ("related link", ("اقرأ أيضا", "اقرأ أيضاً", "إقرأ أيضا", "اقرأ المزيد", "اقرأ كذلك", "شاهد أيضا",
                          "طالع أيضا", "مواضيع ذات صلة", "أخبار ذات صلة", "اقرأ ايضا:")),
        ("share/subscribe", ("تابعونا على", "تابعوا", "لمتابعة آخر الأخبار", "اشترك في", "شارك على",
                             "شارك هذا")),
    )
    meta_prefixes = (("source line", ("المصدر:", "المصدر :", "المصادر:")),
                     ("credit line", ("تحرير:", "إعداد:", "ترجمة:", "تصوير:")))
    months = MONTHS
    reporting_verbs = frozenset({"قال", "قالت", "أعلن", "أعلنت", "ذكرت", "ذكر", "أفادت", "أفاد", "صرح",
                                 "أكد", "أكدت", "نقلت", "أضاف", "أضافت", "وقال", "وقالت", "وأضاف", "وأضافت"})
    #: Arabic spellings (Arabic yeh/kaf, teh marbuta, alef maksura) and function words absent from Persian
    marker_letters = "يكةى"
    marker_words = frozenset({"في", "على", "إلى", "الى", "التي", "الذي", "عن", "أن", "هذا", "هذه", "كان",
                              "قد", "لم", "لا", "هل", "مع", "يا", "انه", "إن", "هو", "هي", "ليس"})


LANGUAGE = Arabic
