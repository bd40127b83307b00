"""Course: Writing for the web."""

from __future__ import annotations

from .content import (
    CourseSpec,
    LessonSpec,
    check,
    code,
    example,
    heading,
    note,
    ol,
    right,
    text,
    tip,
    ul,
    warning,
    wrong,
)

HOW_PEOPLE_READ = LessonSpec(
    slug="how-people-read-online",
    title="How people read online",
    summary="People scan for what they came to do. Put what matters most first, where their eyes land.",
    minutes=8,
    body=(
        text(
            "Nobody opens the intranet page about the new expenses system for pleasure. They arrive with a "
            "task (<i>how do I claim for last week's train ticket?</i>) and they want to finish it and get back "
            "to work. That changes how they read. Usability research, going back to Jakob Nielsen's studies in "
            "the late 1990s and repeated many times since, shows the same pattern: on screen, people scan "
            "rather than read word by word, and most of the words on a typical page are never read at all."
        ),
        heading("Scanning, not reading"),
        text(
            "Eye-tracking studies show people skimming down the left-hand side of a page, stopping at headings, "
            "the start of paragraphs, links and anything bold, and reading across only when something looks "
            "relevant. If your key point is in the middle of the third paragraph, most readers will miss it.",
            "This is not laziness. It is a sensible strategy for busy people facing a screen full of text, and "
            "your writing should work with it rather than against it.",
        ),
        heading("Put the most important thing first"),
        text(
            "Journalists call it the <b>inverted pyramid</b>: start with the conclusion, then add the detail, "
            "then the background. Apply it at every level:",
            ul(
                "<b>The page</b> opens with what the reader most needs to know or do.",
                "<b>Each section</b> starts with its main point, in a heading that says what the section is about.",
                "<b>Each paragraph</b> starts with a sentence that could stand on its own.",
                "<b>Each heading and link</b> starts with the words people are scanning for. “Expenses: claim "
                "travel costs” works better than “Information regarding the claiming of travel expenses”.",
            ),
        ),
        example(
            "Before and after",
            "<b>Before:</b> “Following a review of our finance processes last year and extensive consultation "
            "with colleagues across the business, we are pleased to announce that from 1 April a new expenses "
            "system will be introduced…”",
            "<b>After:</b> “From 1 April, claim expenses in Payflow instead of on paper forms. Paper forms will "
            "not be accepted after 30 April. Here is how to submit your first claim.”",
        ),
        heading("Start from what the reader needs"),
        text(
            "Before you write, name the reader and their task in one sentence: <i>“As a new starter, I need to "
            "know how to book annual leave, so that I can plan my first holiday.”</i> This is sometimes called a "
            "user need. It tells you what to put first, what to leave out and how to judge whether the page "
            "works. If a paragraph does not help meet the need, it probably belongs somewhere else, or nowhere.",
        ),
        tip(
            "One page, one job",
            "Pages that try to serve everyone (new starters, managers and the finance team) end up serving "
            "no one. If different readers need different things, give them different pages and link between "
            "them.",
        ),
        check(
            "You are writing an intranet page about the new expenses system. What should the first paragraph say?",
            wrong(
                "Why the finance team decided to replace the old system.",
                "The background may be interesting, but it is not what most readers came for. Put it lower down, "
                "or link to it.",
            ),
            right(
                "What staff need to do differently, and from when.",
                "Yes. Readers arrive with a task; the first paragraph should tell them what changes for them and "
                "the key date. Detail and background can follow.",
            ),
            wrong(
                "A thank-you to everyone who took part in the consultation.",
                "Thanking people is kind, but it delays the information everyone needs. A line near the end, or "
                "a separate news item, is a better place for it.",
            ),
        ),
    ),
)

PLAIN_ENGLISH = LessonSpec(
    slug="plain-english",
    title="Plain English",
    summary="Short sentences, everyday words and the active voice: clearer for everyone, experts included.",
    minutes=10,
    body=(
        text(
            "Plain English is writing that the intended reader can understand the first time they read it. It "
            "is not dumbing down. When the UK Government Digital Service tested content with specialist "
            "audiences, such as lawyers and doctors, it found that they preferred plain English too: the more "
            "expert the reader, the more they have to read, and the less time they want to spend decoding it."
        ),
        heading("Keep sentences short"),
        text(
            "Aim for an average of 15 to 20 words per sentence. Long sentences are not wrong, but each extra "
            "clause asks the reader to hold more in their head. If a sentence contains “and” or “which” more than "
            "once, see whether it is really two sentences."
        ),
        heading("Use the active voice"),
        text(
            "In the active voice, the sentence says who does what: <i>“The finance team approves claims within "
            "five days.”</i> The passive hides the actor: <i>“Claims are approved within five days.”</i> "
            "Approved by whom? Who do I chase? The active voice is usually shorter, clearer and more honest "
            "about responsibility.",
            "Address the reader as “you”, and the organisation as “we”. It turns general statements into "
            "instructions: <i>“You need to submit…”</i> rather than <i>“Employees are required to submit…”</i>.",
        ),
        heading("Choose everyday words"),
        text(
            "Prefer the short, common word to the long, formal one. A few swaps go a long way:",
            ul(
                "utilise → use",
                "commence → start",
                "in order to → to",
                "prior to → before",
                "facilitate → help, or run",
                "in the event that → if",
                "going forward → from now on (or delete it)",
            ),
            "Watch for <b>nominalisations</b>, verbs turned into nouns: “make a decision” (decide), “carry out an "
            "assessment of” (assess), “provide assistance” (help). Turning them back into verbs makes the "
            "sentence shorter and livelier.",
        ),
        note(
            "Jargon and acronyms",
            "Every organisation has its own language. Spell out an acronym the first time you use it, and ask "
            "whether you need it at all. If a new colleague from another department would not understand a "
            "term, explain it or replace it.",
        ),
        example(
            "A rewrite",
            "<b>Before (30 words):</b> “Employees are required to ensure that all expense claims are submitted "
            "prior to the end of the calendar month in which the expenditure was incurred in order to facilitate "
            "timely reimbursement.”",
            "<b>After (16 words):</b> “Submit your expense claims by the end of the month you spent the money, "
            "so we can pay you quickly.”",
        ),
        check(
            "Which version is the clearest?",
            wrong(
                "Completion of the mandatory training module is required by all staff prior to 30 June.",
                "Accurate, but passive and formal: “completion of … is required” hides who needs to do what.",
            ),
            wrong(
                "It is expected that the mandatory training module will be completed by staff in advance of the "
                "30 June deadline.",
                "This is longer still, and “it is expected” leaves readers unsure whether it is optional.",
            ),
            right(
                "Complete the mandatory training by 30 June.",
                "Yes: active, addressed to the reader, everyday words and the date where people will see it. "
                "Seven words instead of fifteen.",
            ),
        ),
    ),
)

STRUCTURE = LessonSpec(
    slug="structure-headings-lists-and-paragraphs",
    title="Structure: headings, lists and short paragraphs",
    summary="Help readers find their way: descriptive headings, lists that scan and one idea per paragraph.",
    minutes=10,
    body=(
        text(
            "Good structure lets readers skip to the part they need, and lets them know when they have found "
            "it. On screen, structure does much of the work that careful reading does on paper."
        ),
        heading("Headings are signposts"),
        text(
            "A heading should tell readers what the section contains, in words they would use. Descriptive "
            "headings (<i>“How to claim travel costs”</i>) and questions (<i>“Can I claim for a taxi?”</i>) both "
            "work well. Clever or vague headings (<i>“On the move”</i>, <i>“Other matters”</i>) make people read "
            "the section to find out what it is about, which is exactly what headings are meant to save.",
            "Keep the hierarchy honest: one main title, then section headings, then sub-headings inside them. "
            "Don't skip levels or choose a heading level for its size. People using screen readers often jump "
            "from heading to heading to understand a page, so the structure has to make sense on its own.",
        ),
        heading("One idea per paragraph"),
        text(
            "Keep paragraphs short, usually two to four sentences, each about one idea. Start with the point, "
            "then support it. A wall of text on a screen, and especially on a phone, is where readers give up."
        ),
        heading("Lists that scan"),
        text(
            "Use a bulleted list when you have three or more parallel items, and a numbered list when the order "
            "matters, such as steps in a process. To make lists easy to read:",
            ul(
                "introduce them with a lead-in line that makes sense with each item",
                "keep the items parallel in form: all starting with a verb, or all noun phrases",
                "keep each item short, ideally one line",
                "avoid nesting lists inside lists",
            ),
        ),
        example(
            "Steps work best as a numbered list",
            "To book a meeting room:",
            ol(
                "Open the room finder in your calendar.",
                "Choose the building, the date and the number of people.",
                "Pick a room with the equipment you need, such as a screen or video bar.",
                "Send the invitation: the room accepts it automatically.",
            ),
        ),
        heading("Use emphasis sparingly"),
        text(
            "Bold a few key words so scanners can find them. If everything is bold, nothing stands out. Avoid "
            "underlining, which looks like a link, and BLOCK CAPITALS, which are harder to read and feel like "
            "shouting. Italic is hard to read in long runs, so keep it for short phrases.",
        ),
        tip(
            "Check the skeleton",
            "Read only the title and headings of your page, in order. Do they tell the story of the page? "
            "Could a reader find the section they need from the headings alone? If not, fix the headings "
            "before you polish a single sentence.",
        ),
        check(
            "Which is the best heading for a section explaining how to get a replacement laptop?",
            wrong(
                "IT matters",
                "Too vague: it could cover anything from passwords to printers, so readers have to open the "
                "section to find out.",
            ),
            right(
                "How to request a replacement laptop",
                "Yes. It uses the reader's own words, says exactly what the section covers and starts with the task.",
            ),
            wrong(
                "Hardware: an overview",
                "It is broad and abstract. Readers scanning for “laptop” will not see it, and “overview” "
                "suggests background rather than steps.",
            ),
            wrong(
                "Need a new laptop? Read on!!!",
                "Friendly, but the exclamation marks add noise rather than meaning, and “read on” tells the "
                "reader nothing about what they will find.",
            ),
        ),
    ),
)

LINKS = LessonSpec(
    slug="links-that-make-sense",
    title="Links that make sense",
    summary="Write link text that says where it goes, so it works when scanned, heard or read out of context.",
    minutes=8,
    body=(
        text(
            "Links are among the first things people's eyes land on when they scan a page. They are also how "
            "many people using screen readers move around: they call up a list of every link on the page, or "
            "tab from one link to the next, hearing only the link text. A link that says “click here” tells "
            "them nothing."
        ),
        heading("Say where the link goes"),
        text(
            "Link text should describe the destination or the action, and make sense on its own, out of the "
            "sentence around it. Put the most meaningful words first, because that is what scanners see.",
            ul(
                "Avoid “click here”, “read more”, “find out more” and “this link”.",
                "Link the words that describe the destination, not the whole sentence.",
                "Don't use the same link text for different destinations on one page.",
                "Don't paste raw web addresses into text: they are hard to read and harder to listen to.",
            ),
        ),
        code(
            "html",
            """
<!-- Vague: out of context, these links say nothing -->
<p>To claim travel costs, <a href="/expenses/travel/">click here</a>.</p>
<p>The hybrid working policy has changed.
   <a href="/policies/hybrid/">Read more</a></p>

<!-- Descriptive: each link makes sense on its own -->
<p><a href="/expenses/travel/">Claim travel costs</a> within 30 days.</p>
<p>Read the updated <a href="/policies/hybrid/">hybrid working
   policy</a> before you agree a pattern with your manager.</p>
<p><a href="/files/expenses-guide.pdf">Expenses guide
   (PDF, 240 KB, 6 pages)</a></p>
""",
            caption="The same links written two ways. Only the second set works in a screen reader's links list.",
        ),
        heading("Warn people about downloads"),
        text(
            "If a link opens a file rather than a web page, say so in the link text, with the format and size: "
            "<i>“Expenses guide (PDF, 240 KB, 6 pages)”</i>. People on a phone or a slow connection can then "
            "decide whether to open it now. Better still, ask whether the content could be a web page: pages "
            "are easier to read on a phone, to search and to keep up to date."
        ),
        heading("Don't surprise people with new tabs"),
        text(
            "Opening links in a new tab or window breaks the Back button, and can confuse people using "
            "screen readers or magnification, who may not notice that the context has changed. Let people "
            "decide for themselves. If there is a strong reason to open a new tab, such as a form that would "
            "otherwise lose its data, say so in the link text: <i>“Expenses policy (opens in a new tab)”</i>.",
        ),
        tip(
            "The links-list test",
            "Read only the links on your page, in order, as a screen reader's links list would present them. "
            "Can you tell where each one goes? If you hear “here, here, read more, this page”, rewrite them.",
        ),
        check(
            "A colleague using a screen reader tabs through the links on your page. Which link text serves them best?",
            wrong(
                "Click here",
                "Out of context, this says nothing about the destination. In a list of links, several “click "
                "here” links are impossible to tell apart.",
            ),
            wrong(
                "https://intranet.example.com/policies/annual-leave-2025-v3.pdf",
                "A raw address is hard to read and tedious to listen to, and it still doesn't say clearly what "
                "the reader will find.",
            ),
            right(
                "Annual leave policy (PDF, 180 KB)",
                "Yes. It names the destination with its key words first and warns that it is a file, with its "
                "size. It makes sense heard on its own.",
            ),
            wrong(
                "Read more about leave",
                "Better than “click here”, but it starts with the least useful words, and “more” about leave "
                "could mean anything.",
            ),
        ),
    ),
)

ACCESSIBLE = LessonSpec(
    slug="writing-accessible-content",
    title="Writing accessible content",
    summary="Alt text, structure, colour and formats: write so that everyone can use what you publish.",
    minutes=12,
    body=(
        text(
            "Around one in five working-age adults in the UK reports a disability, and many more have a "
            "temporary or situational one: a broken wrist, a migraine, a phone in bright sunshine, a noisy "
            "train with no headphones. Accessible content works for all of them, and it is usually clearer "
            "for everyone else too. Public sector organisations in the UK are legally required to meet the Web "
            "Content Accessibility Guidelines (WCAG) at level AA, and most private organisations aim for the "
            "same standard."
        ),
        heading("Write useful alternative text"),
        text(
            "Alternative text (alt text) is read out by screen readers in place of an image, and shown when "
            "an image fails to load. Good alt text conveys what the image is there to communicate in this "
            "context, not everything it shows.",
            ul(
                "<b>Informative images</b>: describe what matters, briefly. There is no need to start with "
                "“image of”: screen readers already announce it.",
                "<b>Charts and diagrams</b>: give the message in the alt text, and the data in the page text or "
                "a table, so everyone can check the numbers.",
                "<b>Decorative images</b>: use empty alt text, so screen readers skip them.",
                "<b>Images of text</b>: avoid them. Put the text in the page, where it can be resized, "
                "translated and searched.",
            ),
        ),
        code(
            "html",
            """
<!-- Informative: what matters in this context -->
<img src="support-team.jpg"
     alt="The support team planning next quarter at a whiteboard">

<!-- A chart: the message, with the data in a table below it -->
<img src="tickets-2024.png"
     alt="Bar chart: support tickets fell from 1,200 in January to 700 in June">

<!-- Decorative: empty alt, so screen readers skip it -->
<img src="divider.svg" alt="">
""",
            caption="Three kinds of image, three kinds of alt text.",
        ),
        heading("Don't rely on colour, shape or position alone"),
        text(
            "“Fields in red are required” does not work for someone who cannot tell red from green, or who is "
            "listening to the page. Neither does “use the button on the right”, when the layout changes on a "
            "phone. Use words as well: “Required”, “Save and continue”."
        ),
        heading("Structure and formats"),
        text(
            ul(
                "Use real headings and lists, not bold text and dashes, so assistive technology can read the "
                "structure.",
                "Give tables a header row, and use tables for data, never for layout.",
                "Prefer web pages to PDFs and slide decks. If you must publish a document, make it accessible: "
                "headings, alt text and a real reading order.",
                "Give videos captions, and audio a transcript.",
            ),
        ),
        warning(
            "Automatic checkers catch only part of the problem",
            "Tools can tell you an image has no alt text; they cannot tell you whether the alt text is useful. "
            "Try navigating your page with the keyboard only, and listen to it with a screen reader (VoiceOver "
            "on a Mac or iPhone, NVDA or Narrator on Windows) for a few minutes. You will learn a lot.",
        ),
        check(
            "A page about the annual staff survey includes a line chart showing satisfaction rising from 72% to "
            "85% over the year. Which alt text is most useful?",
            wrong(
                "Image of a chart",
                "Screen readers already announce that this is an image, and “a chart” gives none of the "
                "information that sighted readers get.",
            ),
            right(
                "Line chart: staff satisfaction rose from 72% in January to 85% in December",
                "Yes. It gives the chart's message in one sentence. Put the monthly figures in a table or the "
                "text so everyone can check the detail.",
            ),
            wrong(
                "chart_final_v2.png",
                "A file name is meaningless to readers. It is what some tools use when alt text is missing, "
                "which is one reason to always provide it.",
            ),
            wrong(
                "Leave the alt text empty, because the chart is explained elsewhere.",
                "Empty alt text is right for decorative images. This chart carries information, so describe its "
                "message, briefly, even if the text covers it as well.",
            ),
        ),
    ),
)

EDITING = LessonSpec(
    slug="editing-and-keeping-content-fresh",
    title="Editing and keeping content fresh",
    summary="Edit in passes, test with a real reader, and give every page an owner and a review date.",
    minutes=8,
    body=(
        text(
            "First drafts are for getting the ideas down. Editing is where the writing becomes useful. And "
            "publishing is not the end: content that was right last year can quietly become wrong, and an "
            "out-of-date page is often worse than no page at all, because people trust it."
        ),
        heading("Edit in passes"),
        text(
            "Trying to fix everything in one read means fixing nothing well. Go through the text several "
            "times, each time with one question:",
            ol(
                "<b>Structure</b>: is the most important thing first? Do the headings tell the story?",
                "<b>Paragraphs and sentences</b>: one idea per paragraph? Any sentence over 25 words?",
                "<b>Words</b>: jargon, acronyms, passive voice, nominalisations?",
                "<b>Facts</b>: are dates, names, numbers and links right? Do the links work?",
            ),
            "Most drafts can lose a fifth to a third of their words without losing any meaning. Cut the "
            "throat-clearing introductions first.",
        ),
        tip(
            "Read it aloud",
            "Reading aloud is the fastest way to find sentences that are too long, repeated words and "
            "clumsy rhythm. If you run out of breath, the reader will too.",
        ),
        heading("Get a second pair of eyes"),
        text(
            "Ask a colleague to review before you publish. Give them a specific job, such as “check the steps "
            "are complete and in the right order”, rather than “any thoughts?”. Some teams pair-write: two "
            "people, one keyboard, one writing and one questioning, which is often faster than a draft and a "
            "round of comments."
        ),
        heading("Test with a real reader"),
        text(
            "The best test of a page is whether someone from its audience can use it. Give a colleague who has "
            "not seen it a task (<i>“find out how much you can claim for a hotel in London”</i>) and watch "
            "them, without helping. Five minutes of watching will show you more than an hour of rereading "
            "your own words."
        ),
        heading("Give every page an owner and a review date"),
        text(
            "Every page should have a named owner (a person or a role, not “comms”) and a date when it will "
            "next be checked. When the date comes, the owner decides to keep it as it is, update it, or "
            "remove it. Removing content is a perfectly good outcome: fewer, better pages are easier to find "
            "and to trust.",
        ),
        example(
            "A pre-publishing checklist",
            ul(
                "The first paragraph tells readers what they need to know or do.",
                "Headings describe their sections, in order, without skipped levels.",
                "Link text makes sense on its own; downloads say their format and size.",
                "Images have useful alt text, or empty alt text if decorative.",
                "A colleague has checked the facts and tried the steps.",
                "The page has an owner and a review date.",
            ),
        ),
        check(
            "A page about last year's travel policy is still live on the intranet, although the policy has "
            "been replaced. What should happen?",
            wrong(
                "Leave it, with a note at the bottom saying it may be out of date.",
                "Readers scan, and most will never reach the note. They will follow the old rules with "
                "confidence, which is worse than finding nothing.",
            ),
            right(
                "Remove or archive it, point its address to the current policy, and make sure that page has an "
                "owner and a review date.",
                "Yes. Removing it stops people following outdated rules, redirecting keeps old links working, "
                "and an owner with a review date stops it happening again.",
            ),
            wrong(
                "Keep both pages, so people can compare the old and the new policy.",
                "Very few readers need the history, and two similar pages compete in search. If the history "
                "matters, archive it clearly and link to it from the current policy.",
            ),
        ),
    ),
)

COURSE = CourseSpec(
    slug="writing-for-the-web",
    title="Writing for the web",
    summary="Write pages people can scan, understand and act on: plain English, clear structure, useful links.",
    description=(
        "<p>Whether you look after an intranet page, a help article or a project update, people read on screens "
        "differently from paper. This course shows how readers actually behave online, and how to write for "
        "them: front-loading, plain English, structure that scans, link text that makes sense, accessible "
        "content and keeping pages up to date.</p>"
        "<h3>You will learn to</h3>"
        "<ul><li>put the most important information where readers look first</li>"
        "<li>write in plain English without losing precision</li>"
        "<li>use headings, lists and links that help people find their way</li>"
        "<li>make content accessible, and keep it accurate after it is published</li></ul>"
    ),
    level="beginner",
    minutes=60,
    tags=("writing", "communication", "accessibility", "content"),
    authors=("author",),
    palette=("#c9d8ff", "#3a5bd9", "#ffbe0b", "#eef2ff"),
    cover_alt="Abstract cover in blue and indigo with a yellow accent and layered shapes",
    lessons=(HOW_PEOPLE_READ, PLAIN_ENGLISH, STRUCTURE, LINKS, ACCESSIBLE, EDITING),
)
