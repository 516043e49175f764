"""Multilingual message text built from templates.

Templates cover settlement topics (the ``topics-v1`` ids of the domain notes, §2.1) in eight
languages, with the English loan terms (PR, PGWP, LMIA, SIN, IRCC) that newcomers mix into
every language (§2.2). Only *question* templates contain a question mark (``?``, ``؟`` or
``？``); every other template is free of them, so a reader can tell planted questions from the
text alone. Scam and misinformation templates follow the red flags of §3.2 (fees, gift cards,
"guaranteed", urgency, shortened links). Hostile fragments (HTML, script, spreadsheet formulas,
right-to-left overrides, zero-width characters) are mixed into a small share of texts so that
importers, reports and CSV exports are exercised on them.
"""

from __future__ import annotations

import numpy as np

TOPICS: tuple[str, ...] = (
    "IMM.PR", "IMM.WP", "IMM.SP", "IMM.PGWP", "IMM.EE", "IMM.LMIA", "GOV.SIN", "GOV.HEALTH",
    "GOV.TAX", "EMP.JOB", "EMP.CRED", "LANG", "HOUSE", "FIN", "EDU",
)  # fmt: skip
TOPIC_WEIGHTS = np.array([10, 8, 6, 7, 8, 5, 6, 7, 4, 10, 5, 6, 9, 4, 4], dtype=np.float64)

# Topic terms per language (domain notes §2.1-2.2; English acronyms kept inside other languages).
TERMS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "IMM.PR": ("PR card", "COPR", "PR renewal"), "IMM.WP": ("work permit", "open work permit"),
        "IMM.SP": ("study permit", "LOA"), "IMM.PGWP": ("PGWP", "PGWP extension"),
        "IMM.EE": ("Express Entry", "CRS score", "ITA"), "IMM.LMIA": ("LMIA", "job offer LMIA"),
        "GOV.SIN": ("SIN", "Service Canada SIN"), "GOV.HEALTH": ("OHIP", "health card"),
        "GOV.TAX": ("tax return", "CCB"), "EMP.JOB": ("job search", "resume", "survival job"),
        "EMP.CRED": ("credential assessment", "WES ECA"), "LANG": ("LINC classes", "CLB test"),
        "HOUSE": ("rent", "lease", "apartment deposit"), "FIN": ("bank account", "credit score"),
        "EDU": ("school registration", "daycare"),
    },
    "fr": {
        "IMM.PR": ("carte de RP", "résidence permanente"), "IMM.WP": ("permis de travail", "permis de travail ouvert"),
        "IMM.SP": ("permis d'études", "lettre d'acceptation"), "IMM.PGWP": ("permis de travail postdiplôme", "PTPD"),
        "IMM.EE": ("Entrée express", "score SCG"), "IMM.LMIA": ("EIMT", "LMIA"),
        "GOV.SIN": ("numéro d'assurance sociale", "NAS"), "GOV.HEALTH": ("RAMQ", "carte d'assurance maladie"),
        "GOV.TAX": ("déclaration de revenus", "ARC"), "EMP.JOB": ("recherche d'emploi", "CV"),
        "EMP.CRED": ("reconnaissance des diplômes", "ordre professionnel"), "LANG": ("cours de français", "francisation"),
        "HOUSE": ("logement", "bail"), "FIN": ("compte bancaire", "cote de crédit"),
        "EDU": ("inscription scolaire", "garderie"),
    },
    "pa": {
        "IMM.PR": ("PR", "PR ਕਾਰਡ"), "IMM.WP": ("ਵਰਕ ਪਰਮਿਟ", "ਓਪਨ ਵਰਕ ਪਰਮਿਟ"),
        "IMM.SP": ("ਸਟੱਡੀ ਪਰਮਿਟ", "ਸਟੱਡੀ ਵੀਜ਼ਾ"), "IMM.PGWP": ("PGWP",), "IMM.EE": ("Express Entry", "CRS"),
        "IMM.LMIA": ("LMIA", "ਲੇਬਰ ਮਾਰਕੀਟ ਇੰਪੈਕਟ ਅਸੈਸਮੈਂਟ (LMIA)"), "GOV.SIN": ("SIN", "SIN ਨੰਬਰ"),
        "GOV.HEALTH": ("OHIP", "ਹੈਲਥ ਕਾਰਡ"), "GOV.TAX": ("ਟੈਕਸ ਰਿਟਰਨ", "CRA"), "EMP.JOB": ("ਨੌਕਰੀ", "resume"),
        "EMP.CRED": ("ECA", "ਡਿਗਰੀ ਮਾਨਤਾ"), "LANG": ("IELTS", "CELPIP"), "HOUSE": ("ਬੇਸਮੈਂਟ ਕਿਰਾਇਆ", "rent"),
        "FIN": ("ਬੈਂਕ ਖਾਤਾ", "credit score"), "EDU": ("ਸਕੂਲ ਦਾਖਲਾ", "daycare"),
    },
    "ar": {
        "IMM.PR": ("الإقامة الدائمة", "بطاقة الإقامة الدائمة (PR card)"), "IMM.WP": ("تصريح العمل", "work permit"),
        "IMM.SP": ("تصريح الدراسة",), "IMM.PGWP": ("PGWP",), "IMM.EE": ("Express Entry", "نقاط CRS"),
        "IMM.LMIA": ("LMIA", "عرض عمل LMIA"), "GOV.SIN": ("رقم التأمين الاجتماعي (SIN)", "SIN"),
        "GOV.HEALTH": ("البطاقة الصحية", "OHIP"), "GOV.TAX": ("الضرائب", "إعانة الأطفال CCB"),
        "EMP.JOB": ("البحث عن عمل", "السيرة الذاتية"), "EMP.CRED": ("معادلة الشهادات", "WES"),
        "LANG": ("دروس اللغة الإنجليزية LINC", "CLB"), "HOUSE": ("السكن", "الإيجار"),
        "FIN": ("حساب بنكي", "السجل الائتماني"), "EDU": ("تسجيل المدرسة", "الحضانة"),
    },
    "zh": {
        "IMM.PR": ("枫叶卡", "永久居民"), "IMM.WP": ("工签", "开放工签"), "IMM.SP": ("学签",),
        "IMM.PGWP": ("毕业工签 (PGWP)", "PGWP"), "IMM.EE": ("快速通道 (EE)", "省提名 (PNP)", "CRS分数"),
        "IMM.LMIA": ("LMIA",), "GOV.SIN": ("SIN号码", "社会保险号 SIN"), "GOV.HEALTH": ("MSP医保", "医疗卡"),
        "GOV.TAX": ("报税", "牛奶金 CCB"), "EMP.JOB": ("找工作", "简历"), "EMP.CRED": ("学历认证", "WES认证"),
        "LANG": ("LINC英语课", "雅思 IELTS"), "HOUSE": ("租房", "押金"), "FIN": ("银行开户", "信用分"),
        "EDU": ("学校注册", "托儿所"),
    },
    "tl": {
        "IMM.PR": ("PR card", "permanent resident"), "IMM.WP": ("work permit", "open work permit"),
        "IMM.SP": ("study permit",), "IMM.PGWP": ("PGWP",), "IMM.EE": ("Express Entry", "PNP"),
        "IMM.LMIA": ("LMIA", "caregiver LMIA"), "GOV.SIN": ("SIN",), "GOV.HEALTH": ("health card", "Manitoba Health"),
        "GOV.TAX": ("tax return", "CCB"), "EMP.JOB": ("trabaho", "resume"), "EMP.CRED": ("credential assessment",),
        "LANG": ("English class", "IELTS"), "HOUSE": ("paupahan", "renta"), "FIN": ("bank account", "credit card"),
        "EDU": ("school registration", "daycare"),
    },
    "es": {
        "IMM.PR": ("residencia permanente", "tarjeta PR"), "IMM.WP": ("permiso de trabajo", "permiso de trabajo abierto"),
        "IMM.SP": ("permiso de estudio",), "IMM.PGWP": ("PGWP",), "IMM.EE": ("Express Entry", "PNP"),
        "IMM.LMIA": ("LMIA",), "GOV.SIN": ("número de seguro social (SIN)", "SIN"),
        "GOV.HEALTH": ("RAMQ", "tarjeta de salud"), "GOV.TAX": ("declaración de impuestos",),
        "EMP.JOB": ("búsqueda de empleo", "currículum"), "EMP.CRED": ("reconocimiento de títulos",),
        "LANG": ("clases de francés", "francisation"), "HOUSE": ("alquiler", "apartamento"),
        "FIN": ("cuenta bancaria", "historial de crédito"), "EDU": ("inscripción escolar", "guardería"),
    },
    "uk": {
        "IMM.PR": ("PR", "постійне проживання"), "IMM.WP": ("дозвіл на роботу", "open work permit"),
        "IMM.SP": ("дозвіл на навчання",), "IMM.PGWP": ("PGWP",), "IMM.EE": ("Express Entry", "CUAET"),
        "IMM.LMIA": ("LMIA",), "GOV.SIN": ("SIN",), "GOV.HEALTH": ("медична картка", "AHCIP"),
        "GOV.TAX": ("податкова декларація", "CCB"), "EMP.JOB": ("пошук роботи", "резюме"),
        "EMP.CRED": ("підтвердження диплома",), "LANG": ("курси англійської LINC", "CLB"),
        "HOUSE": ("оренда житла", "депозит"), "FIN": ("банківський рахунок", "кредитна історія"),
        "EDU": ("реєстрація в школу", "садочок"),
    },
}  # fmt: skip

QUESTIONS: dict[str, tuple[str, ...]] = {
    "en": (
        "Does anyone know how long {t} takes these days?",
        "Hi all, what documents do I need for {t}?",
        "Quick question about {t}: can I apply online or do I need to go in person?",
        "Has anyone dealt with {t} in {city}? Where should I start?",
    ),
    "fr": (
        "Quelqu'un sait combien de temps prend {t} en ce moment ?",
        "Bonjour, quels documents faut-il pour {t} ?",
        "Est-ce qu'on peut faire la demande de {t} en ligne ?",
    ),
    "pa": (
        "ਕਿਸੇ ਨੂੰ ਪਤਾ ਹੈ {t} ਲਈ ਕਿੰਨਾ ਸਮਾਂ ਲੱਗਦਾ ਹੈ?",
        "ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ, {t} ਲਈ ਕਿਹੜੇ documents ਚਾਹੀਦੇ ਹਨ?",
        "{city} ਵਿੱਚ {t} ਬਾਰੇ ਕੋਈ ਮਦਦ ਕਰ ਸਕਦਾ ਹੈ?",
    ),
    "ar": (
        "هل يعرف أحد كم يستغرق {t} هذه الأيام؟",
        "السلام عليكم، ما هي الأوراق المطلوبة من أجل {t}؟",
        "هل يمكن التقديم على {t} أونلاين؟",
    ),
    "zh": (
        "请问大家{t}现在要等多久？",
        "有人知道办{t}需要什么材料吗？",
        "在{city}办{t}应该去哪里？",
    ),
    "tl": (
        "May nakakaalam ba kung gaano katagal ang {t} ngayon?",
        "Hello po, ano po ang requirements para sa {t}?",
        "Pwede bang mag-apply ng {t} online?",
    ),
    "es": (
        "¿Alguien sabe cuánto tarda {t} ahora?",
        "Hola, ¿qué documentos necesito para {t}?",
        "¿Se puede pedir {t} en línea o hay que ir en persona?",
    ),
    "uk": (
        "Хтось знає, скільки зараз чекати на {t}?",
        "Привіт, які документи потрібні для {t}?",
        "Чи можна подати на {t} онлайн?",
    ),
}

STATEMENTS: dict[str, tuple[str, ...]] = {
    "en": (
        "Just got my {t} sorted, it took about {n} weeks. Sharing for anyone waiting.",
        "Reminder: {t} info session this week, check the pinned post.",
        "My experience with {t} in {city}: go early, bring copies of everything.",
        "Good news, finally done with {t} 🎉",
    ),
    "fr": (
        "J'ai enfin reçu mon {t}, environ {n} semaines d'attente.",
        "Petit rappel pour {t} : apportez toutes vos copies.",
        "Bonne nouvelle, dossier {t} terminé 🎉",
    ),
    "pa": (
        "ਮੇਰਾ {t} ਆ ਗਿਆ, ਲਗਭਗ {n} ਹਫ਼ਤੇ ਲੱਗੇ।",
        "{t} ਬਾਰੇ ਜਾਣਕਾਰੀ: ਸਾਰੇ documents ਦੀਆਂ copies ਨਾਲ ਲੈ ਕੇ ਜਾਓ।",
    ),
    "ar": (
        "وصلني {t} أخيراً بعد {n} أسابيع تقريباً.",
        "نصيحة بخصوص {t}: خذوا نسخاً من كل الأوراق.",
    ),
    "zh": (
        "我的{t}终于下来了，大概等了{n}周。",
        "分享一下{t}的经验：所有材料都要带复印件。",
    ),
    "tl": (
        "Salamat sa Diyos, dumating na ang {t} ko after {n} weeks.",
        "Tip lang po sa {t}: magdala ng kopya ng lahat ng documents.",
    ),
    "es": (
        "Por fin me llegó {t}, tardó unas {n} semanas.",
        "Consejo sobre {t}: lleven copias de todo.",
    ),
    "uk": (
        "Нарешті отримала {t}, чекала приблизно {n} тижнів.",
        "Порада щодо {t}: беріть копії всіх документів.",
    ),
}

PEER_ANSWERS: dict[str, tuple[str, ...]] = {
    "en": ("For {t} it took me about {n} weeks. Check the IRCC website for current times.",
           "You can do {t} online, I did mine last month.", "Call Service Canada, they helped me with {t}."),
    "fr": ("Pour {t} ça m'a pris environ {n} semaines.", "Tu peux faire {t} en ligne, je l'ai fait le mois dernier."),
    "pa": ("ਮੈਨੂੰ {t} ਲਈ {n} ਹਫ਼ਤੇ ਲੱਗੇ ਸੀ। IRCC website check ਕਰੋ।", "{t} online ਹੋ ਜਾਂਦਾ ਹੈ ਭਾਈ।"),
    "ar": ("بالنسبة لـ {t} أخذ معي حوالي {n} أسابيع.", "ممكن تقدم على {t} أونلاين من موقع IRCC."),
    "zh": ("我办{t}用了大概{n}周，可以看IRCC官网。", "{t}可以网上申请，我上个月刚办完。"),
    "tl": ("Sa akin po {n} weeks ang {t}. Check niyo po sa IRCC website.", "Pwede po online ang {t}."),
    "es": ("A mí {t} me tomó unas {n} semanas.", "Puedes hacer {t} en línea, yo lo hice el mes pasado."),
    "uk": ("У мене {t} зайняв приблизно {n} тижнів.", "{t} можна зробити онлайн через сайт IRCC."),
}  # fmt: skip

ORG_ANSWERS: dict[str, tuple[str, ...]] = {
    "en": ("Hi! Our settlement counsellors can help with {t}. Book a free appointment: {url}",
           "Thanks for asking. Official information on {t} is on canada.ca; you can also call us at our office."),
    "fr": ("Bonjour ! Nos conseillers peuvent vous aider pour {t}. Rendez-vous gratuit : {url}",),
    "pa": ("ਸਤਿ ਸ੍ਰੀ ਅਕਾਲ! ਸਾਡੇ settlement counsellors {t} ਵਿੱਚ ਮੁਫ਼ਤ ਮਦਦ ਕਰਦੇ ਹਨ: {url}",),
    "ar": ("مرحباً! يمكن لمستشارينا مساعدتك في {t} مجاناً. احجز موعداً: {url}",),
    "zh": ("您好！我们的安置顾问可以免费帮助办理{t}，预约：{url}",),
    "tl": ("Hello po! Matutulungan kayo ng aming settlement counsellors sa {t}. Libre po: {url}",),
    "es": ("¡Hola! Nuestros consejeros pueden ayudarte con {t} gratis. Cita: {url}",),
    "uk": ("Вітаємо! Наші консультанти безкоштовно допоможуть з {t}. Запис: {url}",),
}  # fmt: skip

FOLLOWUPS: dict[str, tuple[str, ...]] = {
    "en": ("Thank you so much 🙏", "Same here, following.", "Thanks, that helped!", "Agree with the above."),
    "fr": ("Merci beaucoup 🙏", "Pareil pour moi.", "Merci, ça m'aide !"),
    "pa": ("ਬਹੁਤ ਧੰਨਵਾਦ 🙏", "ਮੇਰਾ ਵੀ ਇਹੀ ਸਵਾਲ ਸੀ।"),
    "ar": ("شكراً جزيلاً 🙏", "جزاك الله خيراً."),
    "zh": ("谢谢分享 🙏", "同问，我也在等。"),
    "tl": ("Salamat po 🙏", "Same po tayo."),
    "es": ("Muchas gracias 🙏", "Lo mismo me pasó."),
    "uk": ("Дуже дякую 🙏", "У мене так само."),
}  # fmt: skip

# Organization posts by IRCC service line (domain notes §1.2).
SERVICES: tuple[str, ...] = ("IO", "NAARS", "LT", "LA", "ERS", "CC", "SS", "CM")
ORG_POSTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "IO": ("Free workshop: your first weeks in Canada (SIN, health card, banking). Register: {url}",),
        "NAARS": ("Not sure where to start? Book a free needs assessment with a settlement counsellor: {url}",),
        "LT": ("LINC classes are enrolling now, CLB 1 to 6, online and in person. {url}",),
        "LA": ("Language assessment appointments are open this month. {url}",),
        "ERS": ("Job fair for newcomers on {day}. Bring your resume! {url}",
                "Employment workshop: Canadian-style resumes and interviews. {url}"),
        "CC": ("Community potluck and conversation circle this weekend, families welcome 🎉",),
        "SS": ("Childcare and interpretation are available for all our programs. Ask us.",),
        "CM": ("Our case managers can help refugees and families with complex needs. {url}",),
    },
    "fr": {
        "IO": ("Atelier gratuit : vos premières semaines au Canada (NAS, RAMQ, banque). {url}",),
        "NAARS": ("Rencontrez gratuitement une conseillère pour évaluer vos besoins. {url}",),
        "LT": ("Inscriptions ouvertes aux cours de français (francisation). {url}",),
        "LA": ("Évaluations linguistiques NCLC disponibles ce mois-ci. {url}",),
        "ERS": ("Salon de l'emploi pour personnes immigrantes le {day}. {url}",),
        "CC": ("Café-rencontre interculturel samedi, bienvenue aux familles 🎉",),
        "SS": ("Service de garde et interprétation offerts pour nos activités.",),
        "CM": ("Accompagnement personnalisé pour les familles réfugiées. {url}",),
    },
}  # fmt: skip
ORG_POST_OTHER: dict[str, str] = {
    "pa": "ਨਵੇਂ ਆਏ ਲੋਕਾਂ ਲਈ ਮੁਫ਼ਤ workshop: SIN, OHIP ਅਤੇ ਬੈਂਕ ਖਾਤਾ। {url}",
    "ar": "ورشة مجانية للقادمين الجدد: SIN والبطاقة الصحية والحساب البنكي. {url}",
    "zh": "新移民免费讲座：SIN、医疗卡和银行开户。报名：{url}",
    "tl": "Libreng workshop para sa mga bagong dating: SIN, health card at bank account. {url}",
    "es": "Taller gratuito para recién llegados: SIN, tarjeta de salud y banco. {url}",
    "uk": "Безкоштовний семінар для новоприбулих: SIN, медична картка, банк. {url}",
}
COMMENTS: dict[str, tuple[str, ...]] = {
    lang: FOLLOWUPS[lang] + PEER_ANSWERS[lang][:1] for lang in FOLLOWUPS
}

# Scams and misinformation (domain notes §3.2), by type and language.
SCAMS: dict[str, dict[str, str]] = {
    "SCAM.JOB_LMIA": {
        "en": "URGENT HIRING 🇨🇦 Warehouse jobs with LMIA, $38/hr, 100% visa approval guaranteed. Limited positions, pay the $2,500 processing fee today. WhatsApp only: tinyurl.com/lmia-jobs-ca",
        "pa": "ਕੈਨੇਡਾ ਵਿੱਚ ਪੱਕੀ ਨੌਕਰੀ LMIA ਨਾਲ 🇨🇦 100% ਵੀਜ਼ਾ guarantee। processing fee $3000 ਅੱਜ ਹੀ ਭੇਜੋ: tinyurl.com/lmia-jobs-ca",
        "tl": "HIRING caregivers sa Canada with LMIA, guaranteed visa 100%. Magbayad lang ng processing fee ngayon: tinyurl.com/lmia-jobs-ca",
    },
    "SCAM.GOV_IMPERSONATION": {
        "en": "WARNING from IRCC officer: your immigration status will be cancelled and you will be deported unless you pay the outstanding fee with Google Play gift cards within 24 hours.",
        "ar": "تنبيه من IRCC: سيتم إلغاء إقامتك وترحيلك إذا لم تدفع الرسوم المستحقة ببطاقات هدايا خلال 24 ساعة.",
        "zh": "【IRCC通知】您的移民身份将被取消，请在24小时内用礼品卡缴纳罚款，否则将被遣返。",
        "uk": "Увага! IRCC: ваш статус CUAET буде скасовано, якщо ви не сплатите штраф подарунковими картками протягом 24 годин.",
    },
    "SCAM.GHOST_CONSULTANT": {
        "en": "Guaranteed PR in 3 months 🔥 special connections at IRCC, no IELTS needed. DM for package price. canada-pr-fast.example-offer.com",
        "es": "Residencia permanente GARANTIZADA en 3 meses, tenemos contactos en IRCC. Escríbenos: canada-pr-fast.example-offer.com",
        "fr": "RP garantie en 3 mois, contacts spéciaux à IRCC, pas besoin de TEF. Écrivez-nous : canada-pr-fast.example-offer.com",
    },
    "SCAM.CRA": {
        "en": "CRA: You have a refund of $750. Click here to claim, link expires in 5 days: bit.ly/cra-refund-ca",
        "zh": "CRA退税通知：您有750加元退款，请在5天内点击领取：bit.ly/cra-refund-ca",
    },
    "SCAM.RENTAL": {
        "en": "Beautiful 2 bedroom downtown $900/month, I am overseas so send the deposit by e-transfer first and I will mail the keys.",
        "ar": "شقة غرفتين وسط المدينة 900 دولار شهرياً، أنا خارج كندا، أرسل العربون أولاً وسأرسل المفاتيح بالبريد.",
    },
}  # fmt: skip
MISINFO: dict[str, dict[str, str]] = {
    "MISINFO.POLICY_DETAIL": {
        "en": "BREAKING: IRCC just announced an automatic 18-month PGWP extension for everyone, no application needed. Share with all students!",
        "pa": "ਵੱਡੀ ਖ਼ਬਰ: ਸਾਰੇ students ਲਈ PGWP ਆਪਣੇ ਆਪ 18 ਮਹੀਨੇ ਵਧ ਗਿਆ, ਕੋਈ application ਨਹੀਂ। ਸਭ ਨੂੰ share ਕਰੋ!",
        "zh": "重磅：IRCC宣布所有毕业工签PGWP自动延长18个月，无需申请！快转发！",
    },
    "MISINFO.MASS_INVITE": {
        "en": "Canada needs one million workers starting this year, language level is not important! Register here before it closes: tinyurl.com/canada-1m-workers",
        "es": "¡Canadá necesita un millón de trabajadores este año, el idioma no importa! Regístrate aquí: tinyurl.com/canada-1m-workers",
        "ar": "كندا تحتاج مليون عامل هذا العام ولا يهم مستوى اللغة! سجل هنا قبل الإغلاق: tinyurl.com/canada-1m-workers",
    },
    "MISINFO.LOTTERY": {
        "en": "*CANADA Visa Lottery Application Form Is Out* 45,000 places, There Is No Cost To Register. Check eligibility and apply here: tinyurl.com/ca-visa-lottery",
        "tl": "*CANADA Visa Lottery* bukas na! 45,000 slots, libre ang pag-register: tinyurl.com/ca-visa-lottery",
        "fr": "*Loterie visa CANADA* ouverte : 45 000 places, inscription gratuite ici : tinyurl.com/ca-visa-lottery",
    },
}  # fmt: skip

# Hostile fragments: each kind must appear somewhere in every generated study.
HOSTILE: tuple[tuple[str, str], ...] = (
    ("script", "<script>alert(1)</script>"),
    ("html", "<b>html</b> <i>formatting</i>"),
    ("formula_hyperlink", '=HYPERLINK("http://evil.example/x","click me")'),
    ("formula_plus", "+1+1"),
    ("formula_minus", "-2"),
    ("formula_at", "@SUM(A1)"),
    ("rtl_override", "\u202eevil.exe\u202c file"),
    ("zero_width", "SI\u200bN num\u200cber\u200d"),
    ("emoji", "🇨🇦🙏🏽👨‍👩‍👧‍👦"),
    ("rtl_text", "مرحبا بكم في كندا"),
)
HOSTILE_KINDS: tuple[str, ...] = tuple(k for k, _ in HOSTILE)
FORMULA_KINDS = frozenset({"formula_hyperlink", "formula_plus", "formula_minus", "formula_at"})

EMOJI: tuple[str, ...] = ("🙏", "👍", "🇨🇦", "❤️", "😊", "🎉", "🤔")
CITIES: dict[str, tuple[str, ...]] = {
    "en": ("Toronto", "Brampton", "Halifax", "Kenora"),
    "fr": ("Sherbrooke", "Montréal", "Québec"),
    "pa": ("Brampton", "Surrey"),
    "ar": ("Toronto", "Halifax", "Mississauga"),
    "zh": ("温哥华", "多伦多", "列治文"),
    "tl": ("Winnipeg", "Calgary"),
    "es": ("Sherbrooke", "Montréal"),
    "uk": ("Калгарі", "Едмонтон", "Вінніпег"),
}
DAYS = ("Saturday March 14", "Thursday April 9", "Wednesday May 20", "Tuesday October 6")


class TextMaker:
    """Draw texts for many items at once from one random generator.

    Parameters
    ----------
    rng
        The generator; every choice is drawn from it so output is reproducible.
    url
        The organization's booking link used in its posts and answers.
    """

    def __init__(self, rng: np.random.Generator, url: str = "https://example.org/book") -> None:
        self.rng = rng
        self.url = url

    def _fill(self, tpl: str, lang: str, topic: str, k: int) -> str:
        terms = TERMS[lang][topic]
        cities = CITIES[lang]
        return tpl.format(
            t=terms[k % len(terms)],
            n=3 + k % 9,
            city=cities[k % len(cities)],
            url=self.url,
            day=DAYS[k % len(DAYS)],
        )

    def many(
        self, table: dict[str, tuple[str, ...]], langs: list[str], topics: list[str]
    ) -> list[str]:
        """One text per (language, topic) from ``table`` (a template tuple per language)."""
        ks = self.rng.integers(0, 1 << 30, size=len(langs)).tolist()
        out = []
        for lang, topic, k in zip(langs, topics, ks, strict=True):
            tpls = table[lang]
            out.append(self._fill(tpls[k % len(tpls)], lang, topic, k >> 4))
        return out

    def org_posts(self, langs: list[str], services: list[str]) -> list[str]:
        """Organization posts announcing a service line, in the given languages."""
        ks = self.rng.integers(0, 1 << 30, size=len(langs)).tolist()
        out = []
        for lang, svc, k in zip(langs, services, ks, strict=True):
            if lang in ORG_POSTS:
                tpls = ORG_POSTS[lang][svc]
                tpl = tpls[k % len(tpls)]
            else:
                tpl = ORG_POST_OTHER[lang]
            out.append(tpl.format(url=self.url, day=DAYS[k % len(DAYS)]))
        return out


def scam_catalogue() -> list[tuple[str, str, str]]:
    """All (type, language, text) scam and misinformation messages."""
    out = []
    for table in (SCAMS, MISINFO):
        for typ, by_lang in table.items():
            for lang, text in by_lang.items():
                out.append((typ, lang, text))
    return out


def decorate(
    texts: list[str], rng: np.random.Generator, hostile_rate: float, start: int = 0
) -> tuple[list[str], list[str | None]]:
    """Add emoji, zero-width characters, multi-line bodies and hostile fragments.

    Hostile kinds are assigned cyclically (continuing from ``start``) so every kind appears as
    soon as a dozen texts are made hostile. Formula fragments are put at the very start of the
    text, where a spreadsheet would evaluate them; other fragments are appended.

    Returns
    -------
    texts, kinds
        The new texts and, for each, the hostile kind planted (or ``None``).
    """
    n = len(texts)
    u = rng.random((n, 3))
    hostile_idx = np.flatnonzero(u[:, 0] < hostile_rate)
    kinds: list[str | None] = [None] * n
    out = list(texts)
    for j, i in enumerate(hostile_idx.tolist()):
        kind, frag = HOSTILE[(start + j) % len(HOSTILE)]
        kinds[i] = kind
        out[i] = f"{frag} {out[i]}" if kind in FORMULA_KINDS else f"{out[i]} {frag}"
    emo = np.flatnonzero(u[:, 1] < 0.12).tolist()
    for i in emo:
        out[i] = f"{out[i]} {EMOJI[i % len(EMOJI)]}"
    multi = np.flatnonzero(u[:, 2] < 0.04).tolist()
    for i in multi:
        out[i] = out[i].replace(". ", ".\n", 1) if ". " in out[i] else f"{out[i]}\n🙂"
    return out, kinds
