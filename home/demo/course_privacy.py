"""Course: Data privacy at work (UK GDPR basics)."""

from __future__ import annotations

from .content import CourseSpec, LessonSpec, check, example, heading, note, ol, right, text, tip, ul, warning, wrong

PERSONAL_DATA = LessonSpec(
    slug="what-counts-as-personal-data",
    title="What counts as personal data",
    summary="Personal data is far wider than names and addresses. Learn to recognise it, and the kinds that need "
    "extra care.",
    minutes=10,
    body=(
        text(
            "Data protection law applies to <b>personal data</b>, so the first skill is recognising it. In the "
            "UK the rules are set by the UK GDPR and the Data Protection Act 2018; across the European Union, "
            "by the EU GDPR. The two are very close, and this course uses the UK terms. It gives you the "
            "everyday basics, not legal advice: for anything unusual, ask the privacy team."
        ),
        heading("The definition"),
        text(
            "Personal data is <b>any information relating to an identified or identifiable living person</b>. "
            "Two words do a lot of work in that sentence:",
            ul(
                "<b>Any</b>: facts, opinions, photos, voice recordings, and notes you wrote about someone all "
                "count, whatever the format or the system they are in.",
                "<b>Identifiable</b>: the person need not be named. If they can be picked out directly or "
                "indirectly, for example by combining an employee number, a job title and an office location, "
                "the information is personal data.",
            ),
        ),
        example(
            "All of these are personal data",
            ul(
                "A customer's name and email address in the CRM.",
                "A colleague's performance rating, and your comments about it.",
                "CCTV footage of people entering the building.",
                "An IP address or device identifier linked to a user account.",
                "A spreadsheet of “anonymous” survey answers that includes team, grade and start date, in a "
                "team small enough to work out who said what.",
            ),
        ),
        heading("Data that needs extra care"),
        text(
            "Some personal data is called <b>special category data</b>, because its misuse could cause people "
            "particular harm. It covers information about someone's:",
            ul(
                "racial or ethnic origin",
                "political opinions",
                "religious or philosophical beliefs",
                "trade union membership",
                "genetic data, and biometric data used to identify them",
                "health, including mental health, sickness absence reasons and disability",
                "sex life or sexual orientation",
            ),
            "Information about criminal convictions and offences has similar protections. Using any of this "
            "needs an extra legal condition as well as the usual lawful basis, and usually stricter access "
            "controls. At work, the most common example is health information: a sick note, an occupational "
            "health report or a conversation about adjustments.",
        ),
        heading("What is not personal data"),
        text(
            "Information about companies, rather than people, is not personal data, though a named contact's "
            "work email is. Properly anonymised data, where nobody can be identified by any means reasonably "
            "likely to be used, is also outside the rules. Be careful: truly anonymising data is harder than it "
            "looks, and data with names simply replaced by codes (<b>pseudonymised</b> data) is still personal "
            "data."
        ),
        tip(
            "When in doubt, treat it as personal data",
            "If you are not sure whether something is personal data, handle it as if it is. The cost of being "
            "careful is small; the cost of being wrong can be large, for the people concerned as well as for "
            "the organisation.",
        ),
        check(
            "Which of these is personal data?",
            wrong(
                "The total number of sick days taken across the company last year.",
                "A company-wide total cannot identify anyone, so on its own it is not personal data. (Be careful "
                "with small groups, though: a total for a team of two can identify people.)",
            ),
            right(
                "A note in a manager's notebook that an employee seemed stressed in their one-to-one.",
                "Yes. An opinion about an identifiable person is personal data, whatever the format. It is also "
                "likely to be health information, which needs extra care.",
            ),
            wrong(
                "A supplier's company registration number.",
                "Information about a company, not a person, is not personal data. A named contact at the "
                "supplier would be.",
            ),
        ),
    ),
)

PRINCIPLES = LessonSpec(
    slug="the-principles-in-practice",
    title="The principles in practice",
    summary="Seven principles sit behind every data protection rule. Here is what each means for your daily work.",
    minutes=10,
    body=(
        text(
            "The UK GDPR is built on seven principles. You do not need to learn them by heart, but knowing what "
            "they ask will help you make good decisions in situations no policy anticipated."
        ),
        heading("The seven principles"),
        text(
            ol(
                "<b>Lawfulness, fairness and transparency</b>: have a valid reason to use the data, use it in "
                "ways people would reasonably expect, and tell them what you do with it.",
                "<b>Purpose limitation</b>: collect data for a specific purpose, and don't reuse it for "
                "something unrelated without checking.",
                "<b>Data minimisation</b>: collect and keep only what you need for that purpose.",
                "<b>Accuracy</b>: keep it correct and up to date, and fix mistakes when you find them.",
                "<b>Storage limitation</b>: don't keep it longer than you need it.",
                "<b>Integrity and confidentiality</b>: keep it secure against loss, theft and misuse.",
                "<b>Accountability</b>: be able to show that you follow the other six.",
            ),
        ),
        heading("A lawful basis for everything"),
        text(
            "Every use of personal data needs one of six lawful bases: <b>consent</b>, <b>contract</b>, "
            "<b>legal obligation</b>, <b>vital interests</b>, <b>public task</b> or <b>legitimate interests</b>. "
            "Deciding the basis is the job of the people who design a process, usually with the privacy team, "
            "not something you need to work out every time you open a spreadsheet.",
            "One common misunderstanding is worth clearing up: consent is not always required, and at work it "
            "is often the wrong basis. Paying salaries is necessary for the employment contract, and reporting "
            "to the tax authority is a legal obligation. Consent has to be freely given, which is hard when "
            "your employer is the one asking.",
        ),
        example(
            "Purpose limitation in real life",
            "The events team collected dietary requirements for the summer party. A month later, someone "
            "suggests using the list to plan the menu for a client lunch. It sounds harmless, but people gave "
            "that information for one event, and some of it (a coeliac diagnosis, a religious diet) is special "
            "category data. The right move is to ask the client lunch guests directly, and to delete the party "
            "list now that the party is over.",
        ),
        heading("The questions to ask yourself"),
        text(
            ul(
                "Do I actually need this data, or all of these fields, for what I am doing?",
                "Would the people concerned be surprised by what I am doing with it?",
                "Is this the purpose it was collected for?",
                "Where will it be stored, who can see it, and when will it be deleted?",
            ),
            "If any answer makes you hesitate, stop and ask before going ahead.",
        ),
        note(
            "Why accountability matters",
            "Regulators expect organisations to show their working: records of processing, privacy notices, "
            "impact assessments for risky projects, training. When you complete a data protection impact "
            "assessment or record where data is kept, you are doing accountability.",
        ),
        check(
            "Marketing wants to use the email addresses collected for event registrations to send a monthly "
            "newsletter. Which principle is most directly at stake?",
            right(
                "Purpose limitation.",
                "Yes. People gave their addresses to register for an event, not to receive a newsletter. A new, "
                "unrelated purpose needs its own basis, and for marketing emails that usually means consent.",
            ),
            wrong(
                "Accuracy.",
                "Keeping the addresses correct always matters, but the real question is whether they may be "
                "used for this new purpose at all.",
            ),
            wrong(
                "Storage limitation.",
                "How long to keep the addresses is relevant, but the more direct issue is using them for "
                "something people did not sign up for.",
            ),
        ),
    ),
)

HANDLING = LessonSpec(
    slug="handling-personal-data-day-to-day",
    title="Handling personal data day to day",
    summary="Practical habits: need-to-know access, approved systems, tidy desks and screens, and deleting on time.",
    minutes=10,
    body=(
        text(
            "Most data protection incidents are not sophisticated attacks. They are ordinary people in a hurry: "
            "a spreadsheet saved to the wrong folder, a laptop left unlocked on a train, a list kept “just in "
            "case”. Good habits prevent most of them."
        ),
        heading("Only what you need, only who needs it"),
        text(
            "Access personal data only when your work requires it, even if the system would let you see more. "
            "Looking up a colleague's address or salary out of curiosity is a misuse of data, and in serious "
            "cases can be a criminal offence.",
            "When you export or share data, take only the fields the task needs. A report on training "
            "completion needs names and completion dates, not home addresses and dates of birth.",
        ),
        heading("Keep it in approved systems"),
        text(
            ul(
                "Store personal data in the systems the organisation provides, not on personal devices, USB "
                "sticks or personal email and cloud accounts.",
                "Avoid local copies of exports. If you must download a file, delete it when you are done, "
                "including from your Downloads folder.",
                "Don't paste personal data into AI tools, translation sites or file converters that the "
                "organisation has not approved. You may be handing it to a third party that keeps it.",
            ),
        ),
        warning(
            "Hidden data in spreadsheets",
            "Spreadsheets often carry more than you can see: hidden columns and tabs, filtered rows, pivot "
            "tables built from the full data set, and comments. Before sharing a spreadsheet, copy only the "
            "values you need into a new file.",
        ),
        heading("Desks, screens and conversations"),
        text(
            ul(
                "Lock your screen whenever you step away (Windows key + L, or Control + Command + Q on a Mac).",
                "Use a privacy filter on trains and in cafés, and be aware of who can see your screen on video "
                "calls, including shared windows and notifications.",
                "Collect printing straight away, and put confidential paper in the confidential waste bins, "
                "not the recycling.",
                "Be careful what you discuss in lifts, lobbies and on phone calls in public places.",
            ),
        ),
        heading("Keep it only as long as you need it"),
        text(
            "Your organisation's retention schedule says how long each kind of record is kept. When the time "
            "is up, delete it properly, from shared drives, inboxes and personal folders too. “Just in case” is "
            "not a retention period: data you no longer hold cannot be lost, stolen or misused."
        ),
        tip(
            "A five-minute monthly tidy",
            "Once a month, search your Downloads folder, desktop and inbox for exports and attachments "
            "containing personal data. Delete what you no longer need. It is the cheapest risk reduction "
            "there is.",
        ),
        check(
            "You need to check which of your 40 team members have completed their compliance training. HR sends "
            "you an export from the HR system with 35 columns. What should you do?",
            wrong(
                "Save it to your desktop so you can find it easily.",
                "Local copies are easy to forget and easy to lose with a laptop. Keep it in an approved location, "
                "and delete it when you are done.",
            ),
            right(
                "Ask for, or keep, only names and completion status, and delete the file when the check is done.",
                "Yes. That is data minimisation and storage limitation in practice: you need two columns, not 35, "
                "and you need them only until the check is finished.",
            ),
            wrong(
                "Forward it to your deputy so they can help.",
                "Forwarding spreads the full export, and every column in it, to another inbox. Share only what "
                "they need, in an approved location.",
            ),
        ),
    ),
)

SHARING = LessonSpec(
    slug="sharing-personal-data-safely",
    title="Sharing personal data safely",
    summary="Email, links, third parties and phone calls: share what is needed, with the right people, securely.",
    minutes=10,
    body=(
        text(
            "Sharing personal data is a normal part of work: HR shares payroll data with the payroll provider, "
            "support teams share a customer's details with engineers. Data protection law does not stop "
            "sharing. It asks that you share the <b>right</b> data, with the <b>right</b> people, in a "
            "<b>secure</b> way."
        ),
        heading("Email: the most common route to a breach"),
        text(
            "Sending personal data to the wrong person by email is one of the most frequently reported kinds "
            "of breach. A few habits prevent most of them:",
            ul(
                "Check every recipient before you press Send. Autocomplete is the usual culprit: it happily "
                "offers “Sam Patel (Finance)” when you meant “Sam Patel (Supplier)”.",
                "Use <b>Bcc</b> when emailing a group of external people who should not see each other's "
                "addresses, or better, use a proper mailing tool.",
                "Open attachments before sending, to check you attached the right version and that it contains "
                "no hidden tabs or extra data.",
                "Consider delaying send by a minute, so you have a chance to stop a mistake.",
            ),
        ),
        heading("Share links, not copies"),
        text(
            "Where you can, share a link to a file in an approved system, with access limited to named people, "
            "rather than attaching a copy. You can see who has access, change it later and revoke it when the "
            "work is done. Avoid “anyone with the link” settings for personal data. If you must send a file "
            "outside the organisation, use the approved secure transfer tool and send any password by a "
            "different route, such as a phone call or text message."
        ),
        heading("Sharing with other organisations"),
        text(
            "Before personal data goes to a supplier, partner or other organisation, check there is an "
            "agreement in place. Suppliers who process data on our behalf, such as payroll providers or "
            "cloud services, need a contract with data protection terms, and transfers to some countries "
            "outside the UK need extra safeguards. If you are setting up a new tool or supplier that will hold "
            "personal data, involve the privacy team early. It is much easier before the contract is signed."
        ),
        warning(
            "Check who is asking",
            "Criminals often pose as colleagues, suppliers, police or family members to obtain personal data. "
            "If someone asks for information by phone or email, verify who they are through a contact route "
            "you already trust, such as the number in the company directory, not one they give you. Urgency and "
            "pressure are warning signs.",
        ),
        example(
            "A safe handover",
            "Lena in HR needs to send the occupational health provider a referral for an employee. She checks "
            "that a contract with the provider is in place, includes only the information the referral form "
            "asks for, uploads it through the provider's secure portal rather than by email, and records the "
            "referral on the employee's file.",
        ),
        check(
            "You need to send a spreadsheet of 200 customers' names and addresses to the mailing house that "
            "prints and posts your newsletter. What is the safest approach?",
            wrong(
                "Email it as an attachment, since the mailing house is a trusted supplier.",
                "Trust is not a security control. An email attachment can go to the wrong address, be forwarded, "
                "and sits in inboxes indefinitely.",
            ),
            wrong(
                "Upload it to a shared folder with “anyone with the link can view” and email the link.",
                "Anyone who gets hold of the link, including through a forwarded email, could open the file. "
                "Access should be limited to named people.",
            ),
            right(
                "Check there is a contract with the mailing house, then send only the fields needed via the "
                "approved secure transfer tool.",
                "Yes. The contract makes the sharing lawful and sets the supplier's obligations; minimising the "
                "fields and using a secure route protects the data in transit.",
            ),
        ),
    ),
)

BREACHES = LessonSpec(
    slug="spotting-and-reporting-a-breach",
    title="Spotting and reporting a breach",
    summary="Recognise a personal data breach, report it straight away, and help contain it. No blame, no delay.",
    minutes=10,
    body=(
        text(
            "Mistakes happen, even in careful organisations. What matters most is what happens next. A breach "
            "reported within minutes can often be contained; one hidden for a week may have to be reported to "
            "the regulator, and to the people affected, with far more damage done."
        ),
        heading("What counts as a breach"),
        text(
            "A personal data breach is a security incident that leads to personal data being <b>lost, "
            "destroyed, altered, disclosed or accessed</b> without authorisation, whether by accident or on "
            "purpose. It is not only about hackers. Everyday examples include:",
            ul(
                "an email with personal data sent to the wrong person",
                "a laptop, phone or paper file lost or stolen",
                "a shared folder that was open to more people than it should have been",
                "a colleague looking at records they had no reason to see",
                "ransomware making records unavailable, even if nothing is copied",
            ),
        ),
        heading("Report it immediately"),
        text(
            "If you think a breach has happened, or might have happened, report it to the privacy team "
            "straight away, using the breach form or the privacy mailbox. Don't wait until you are sure, and "
            "don't try to investigate it yourself first. Report it even if it was your own mistake, and even if "
            "it seems minor: the privacy team can judge the risk; you may not have the whole picture.",
            "The reason for the hurry is legal. When a breach is likely to pose a risk to people's rights and "
            "freedoms, the organisation must report it to the Information Commissioner's Office <b>within 72 "
            "hours of becoming aware of it</b>, and if the risk is high, tell the people affected without undue "
            "delay. The clock can start when any member of staff knows, not when the privacy team finds out.",
        ),
        example(
            "What to include in your report",
            ul(
                "What happened, and when you noticed.",
                "What data was involved, roughly how many people it affects, and whether it includes special "
                "category data, such as health information.",
                "Who received or could access the data.",
                "What has been done so far, such as recalling the email or asking the recipient to delete it.",
            ),
        ),
        heading("Help contain it"),
        text(
            "Take the obvious first steps at once: try to recall the email, ask the recipient to delete it and "
            "confirm in writing that they have, remove the file from the shared folder, and change passwords "
            "if accounts may be compromised. Then follow the privacy team's lead, and keep a note of what you "
            "did and when."
        ),
        note(
            "No-blame reporting",
            "We would much rather hear about ten false alarms than miss one real breach. Nobody will be "
            "disciplined for reporting an honest mistake promptly. Covering one up is a different matter.",
        ),
        check(
            "On Friday afternoon you realise that on Wednesday you emailed a spreadsheet of job applicants' "
            "details to the wrong external address. What should you do first?",
            wrong(
                "Email the recipient to ask them to delete it, and leave it there if they agree.",
                "Asking them to delete it is a good containment step, but it does not replace reporting. The "
                "privacy team needs to assess the risk, and the reporting clock may already be running.",
            ),
            right(
                "Report it to the privacy team straight away, with what you know, and then follow their lead.",
                "Yes. Report first, however awkward it feels. The 72-hour deadline for telling the regulator may "
                "have started on Wednesday, so every hour counts.",
            ),
            wrong(
                "Wait until Monday to see whether the recipient replies.",
                "Waiting uses up time the organisation may need to assess the breach and, if necessary, report "
                "it within 72 hours.",
            ),
            wrong(
                "Do nothing, because the data was only names and CVs.",
                "CVs usually contain contact details, employment history and sometimes health or diversity "
                "information. Let the privacy team judge the risk.",
            ),
        ),
    ),
)

RIGHTS = LessonSpec(
    slug="peoples-rights-over-their-data",
    title="People's rights over their data",
    summary="Recognise a request to see, correct or delete data, pass it on the same day, and write with care.",
    minutes=10,
    body=(
        text(
            "Data protection law gives people rights over their information. Colleagues, customers and job "
            "applicants can all use them, and the requests often arrive at someone other than the privacy "
            "team, so everyone needs to recognise one."
        ),
        heading("The rights in brief"),
        text(
            ul(
                "<b>To be informed</b>: to know what we do with their data (that is what privacy notices are for).",
                "<b>Of access</b>: to get a copy of their personal data, and information about how it is used.",
                "<b>To rectification</b>: to have inaccurate data corrected.",
                "<b>To erasure</b>, sometimes called the right to be forgotten, in certain circumstances.",
                "<b>To restrict processing</b> while a dispute is resolved, for example.",
                "<b>To data portability</b>: to receive some data in a reusable format.",
                "<b>To object</b>, including an absolute right to object to direct marketing.",
                "Rights related to <b>automated decision-making</b> with significant effects.",
            ),
            "Most rights are not absolute. Erasure, for instance, does not apply to records we must keep by "
            "law, such as payroll records for tax purposes. The privacy team works out what applies.",
        ),
        heading("Recognising a subject access request"),
        text(
            "A subject access request (SAR) is any request from someone for their own personal data. It does not "
            "have to use those words, be in writing or be sent to a particular address. <i>“Can you send me "
            "everything you've got on me?”</i> in a customer chat, a letter from a solicitor on a former "
            "employee's behalf, or a comment in a one-to-one can all be valid requests.",
            "The organisation usually has <b>one month</b> to respond, extendable by up to two further months "
            "for complex or numerous requests, and normally cannot charge a fee. A request sitting unnoticed "
            "in someone's inbox eats into that time.",
        ),
        tip(
            "Pass it on the same day",
            "If you think you have received a request about someone's data, forward it to the privacy team "
            "the same day, with the date it arrived. Let the person know it has been passed on. You don't need "
            "to decide whether it is valid, or start gathering the data yourself.",
        ),
        heading("Write as if the person will read it"),
        text(
            "A response to an access request can include emails, chat messages and notes that mention the "
            "person. Write about people professionally and factually, and only what is needed. A good test: "
            "would you be comfortable if the person read it, or if it were read out at an employment tribunal?"
        ),
        example(
            "Factual, not personal",
            "<b>Instead of:</b> “Sarah was difficult again today, obviously not coping.”",
            "<b>Write:</b> “Sarah raised concerns about the new rota. Agreed to review her shift pattern at our "
            "meeting on 12 June.”",
        ),
        check(
            "A former employee messages you on a professional networking site: “Could you send me copies of "
            "everything HR and my old manager wrote about me?” What should you do?",
            wrong(
                "Ignore it, because requests must be made in writing to HR.",
                "A request does not need a special form or address. A message on a networking site can be a "
                "valid subject access request, and the one-month clock may already be running.",
            ),
            wrong(
                "Search your inbox and send them whatever you find.",
                "Well meant, but it could disclose other people's data or leave out what they are entitled to. "
                "The privacy team coordinates the search and the response.",
            ),
            right(
                "Forward it to the privacy team the same day with the date it arrived, and tell the person you "
                "have passed it on.",
                "Yes. You have recognised a likely subject access request and started the process promptly; the "
                "privacy team will verify identity and respond within the deadline.",
            ),
        ),
    ),
)

COURSE = CourseSpec(
    slug="data-privacy-at-work",
    title="Data privacy at work",
    summary="The UK GDPR in everyday terms: what personal data is, how to handle and share it, and what to do "
    "when things go wrong.",
    description=(
        "<p>Almost everyone handles personal data at work: colleagues' details, customer records, CVs, survey "
        "answers. This course explains the essentials of data protection in plain language, with the habits that "
        "prevent most incidents and what to do when one happens. It follows the UK GDPR and the Data Protection "
        "Act 2018; the EU GDPR is very similar.</p>"
        "<h3>You will learn to</h3>"
        "<ul><li>recognise personal data, including special category data</li>"
        "<li>apply the data protection principles to everyday decisions</li>"
        "<li>handle and share personal data safely</li>"
        "<li>spot and report a breach, and recognise requests from people about their data</li></ul>"
        "<p>This course is an introduction, not legal advice. For anything unusual, ask the privacy team.</p>"
    ),
    level="beginner",
    minutes=60,
    tags=("privacy", "gdpr", "compliance", "security"),
    authors=("author2", "author"),
    palette=("#a8dadc", "#1d3557", "#e9c46a", "#f1faee"),
    cover_alt="Abstract cover in deep navy and sea green with a gold accent and soft rings",
    lessons=(PERSONAL_DATA, PRINCIPLES, HANDLING, SHARING, BREACHES, RIGHTS),
)
