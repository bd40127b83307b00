"""Course: Giving and receiving feedback."""

from __future__ import annotations

from .content import CourseSpec, LessonSpec, check, example, heading, note, right, text, tip, ul, warning, wrong

WHY_FEEDBACK = LessonSpec(
    slug="why-feedback-matters",
    title="Why feedback matters, and why it goes wrong",
    summary="Feedback is how people find out what is working. Learn its three kinds and the usual ways it fails.",
    minutes=8,
    body=(
        text(
            "Nobody can see their own work the way others see it. Feedback is how people find out what is "
            "working, what is not, and what to do next. Teams that give each other useful feedback fix "
            "problems earlier, learn faster and have fewer unpleasant surprises at review time. Yet most people "
            "say they get less feedback than they would like, and much of what they do get is too vague to use."
        ),
        heading("Three kinds of feedback"),
        text(
            "Douglas Stone and Sheila Heen, in <i>Thanks for the Feedback</i>, distinguish three kinds. "
            "Problems often start when the giver offers one and the receiver needs another.",
            ul(
                "<b>Appreciation</b>: “I see you, and what you did matters.” It motivates, and it tells people "
                "what to keep doing.",
                "<b>Coaching</b>: “Here is how you could do this better.” It helps people grow.",
                "<b>Evaluation</b>: “Here is where you stand.” Ratings, rankings, whether someone met the bar. "
                "It sets expectations, and it is the kind that triggers the strongest reactions.",
            ),
            "A new colleague who keeps hearing “great job!” while wondering how to improve needs coaching. "
            "Someone who has worked hard on a difficult project and hears only a list of improvements needs "
            "appreciation first.",
        ),
        heading("Why it goes wrong"),
        text(
            ul(
                "<b>It is too vague.</b> “Good presentation” and “you need to be more strategic” feel like "
                "feedback but give the receiver nothing to act on.",
                "<b>It comes too late.</b> Saved up for the annual review, it arrives months after anyone can "
                "remember the details, or do anything about them.",
                "<b>It judges the person, not the work.</b> “You're disorganised” invites defence. “The report "
                "arrived two days after the deadline” invites a conversation.",
                "<b>It is disguised.</b> The “feedback sandwich”, with criticism hidden between two compliments, "
                "teaches people to distrust praise and often buries the message.",
                "<b>It is avoided.</b> Many people fear damaging the relationship, so they say nothing, and "
                "small problems grow into large ones.",
            ),
        ),
        note(
            "Praise is feedback too",
            "Specific appreciation is not a soft extra. Telling someone exactly what worked is the quickest way "
            "to make sure they do it again, and it builds the trust that makes harder conversations possible.",
        ),
        check(
            "A colleague has just run a workshop. Which comment is the most useful feedback?",
            wrong(
                "“Great workshop, well done!”",
                "Kind, and appreciation matters, but it does not say what worked, so they cannot be sure what to "
                "repeat next time.",
            ),
            right(
                "“Starting with the customer's complaint letter got everyone focused straight away. I'd use that "
                "again.”",
                "Yes. It is specific appreciation: it names exactly what worked and why, so your colleague knows "
                "what to keep doing.",
            ),
            wrong(
                "“You're a natural presenter.”",
                "It is a compliment about the person rather than feedback on the work. It feels nice but gives "
                "nothing to build on.",
            ),
            wrong(
                "“It was fine, but you could be more engaging.”",
                "“More engaging” is too vague to act on. What would engaging look like, and what happened that wasn't?",
            ),
        ),
    ),
)

SBI = LessonSpec(
    slug="situation-behaviour-impact",
    title="Make it specific: situation, behaviour, impact",
    summary="A simple model for feedback people can act on: when it happened, what they did and what it caused.",
    minutes=10,
    body=(
        text(
            "The most useful feedback is specific. The <b>Situation–Behaviour–Impact</b> model, developed by "
            "the Center for Creative Leadership, is a simple way to make it so. It works for praise and for "
            "criticism alike, and it keeps the conversation on facts that both people can recognise."
        ),
        heading("The three parts"),
        text(
            ul(
                "<b>Situation</b>: when and where. “In Tuesday's project review…”",
                "<b>Behaviour</b>: what the person did or said, described as a camera would have recorded it. "
                "“…you presented the budget figures without the risk section…”",
                "<b>Impact</b>: what effect it had, on you, the team, the customer or the work. “…so the board "
                "asked questions we couldn't answer, and the decision has been postponed a month.”",
            ),
            "Then stop, and ask for their view: <i>“How did it look from your side?”</i> Feedback is the start "
            "of a conversation, not a verdict.",
        ),
        heading("Behaviour, not judgement"),
        text(
            "The hardest part is describing behaviour rather than your interpretation of it. Words like "
            "“unprofessional”, “rude”, “lazy” or “not a team player” are judgements. The other person can "
            "disagree with them, and usually will. Behaviour is something you both saw.",
            ul(
                "<b>Judgement:</b> “You were rude to the client.” <b>Behaviour:</b> “You interrupted the client "
                "three times while she was explaining the problem.”",
                "<b>Judgement:</b> “You're not committed.” <b>Behaviour:</b> “You've arrived after the start of "
                "the last four stand-ups.”",
                "<b>Judgement:</b> “Your report was sloppy.” <b>Behaviour:</b> “The report had the Q2 figures in "
                "the Q3 table, and two of the links didn't work.”",
            ),
        ),
        example(
            "SBI for appreciation",
            "“In yesterday's call with the supplier (<b>situation</b>), you summarised what each side had "
            "agreed before we hung up (<b>behaviour</b>). That cleared up the confusion about delivery dates, and "
            "their account manager thanked us for it in writing this morning (<b>impact</b>).”",
        ),
        example(
            "SBI for improvement",
            "“In this morning's team meeting (<b>situation</b>), when Jo suggested changing the release process, "
            "you said ‘that'll never work here’ before she'd finished (<b>behaviour</b>). She didn't say anything "
            "else for the rest of the meeting, and I think we lost a good idea (<b>impact</b>). What was behind "
            "your reaction?”",
        ),
        tip(
            "Write it down first",
            "Before a feedback conversation, write one sentence for each of situation, behaviour and impact. If "
            "you can't describe the behaviour without a judgement word, you may not be ready to give the "
            "feedback yet.",
        ),
        check(
            "Which statement describes behaviour rather than a judgement?",
            wrong(
                "“You were really defensive when the client pushed back.”",
                "“Defensive” is your interpretation. The other person may feel they were simply explaining, so "
                "the conversation becomes an argument about the label.",
            ),
            right(
                "“When the client questioned the price, you said ‘that's our standard rate’ and moved on to the "
                "next slide.”",
                "Yes. It describes what was said and done, in a way both people can recognise. Now you can talk "
                "about the impact, and what might work better.",
            ),
            wrong(
                "“You don't seem to care about the client relationship.”",
                "This is a judgement about motives, which you cannot see. It is likely to provoke a denial rather "
                "than a useful conversation.",
            ),
        ),
    ),
)

DIFFICULT = LessonSpec(
    slug="having-a-difficult-feedback-conversation",
    title="Having a difficult feedback conversation",
    summary="Prepare, choose the moment, say it clearly, listen properly and agree what happens next.",
    minutes=12,
    body=(
        text(
            "Some feedback is uncomfortable to give: a piece of work that is not good enough, behaviour that is "
            "upsetting colleagues, a pattern that has gone on too long. Putting the conversation off rarely "
            "makes it easier. The problem usually grows, and the person loses the chance to fix it early. A "
            "clear structure makes the conversation fairer and less stressful for both of you."
        ),
        heading("Prepare"),
        text(
            ul(
                "Get your facts straight: specific examples, described as behaviour, with their impact.",
                "Be clear about what you want to happen: what would good look like in a month's time?",
                "Check your own assumptions. Is there context you might not know about, such as workload, "
                "health or unclear instructions?",
                "Decide on one or two points. A long list of grievances overwhelms people and feels like an ambush.",
            ),
        ),
        heading("Choose the moment"),
        text(
            "Give the feedback soon after the event, in private, and when there is time to talk properly, not "
            "five minutes before they present to the board, or on a Friday evening. For anything significant, "
            "talk rather than write: tone is easily misread in email or chat, and a conversation lets you "
            "respond to how the other person reacts."
        ),
        heading("Say it clearly, then listen"),
        text(
            "Get to the point quickly. Long preambles raise anxiety and blur the message. Use situation, "
            "behaviour and impact, then ask for their perspective and <b>listen</b>: you may learn something that "
            "changes the picture. Acknowledge what you hear, even if you don't agree with all of it."
        ),
        example(
            "An opening that works",
            "“Sam, I want to talk about the client reports, because I think there's a problem we can fix. The "
            "last three went out after the Friday deadline, and on Monday the account director had to apologise "
            "to the client. I'd like to understand what's getting in the way. How does it look from your side?”",
        ),
        heading("Agree what happens next"),
        text(
            "End with something concrete: what will change, what support you will provide, and when you will "
            "check in. Write it down in a short follow-up note if it helps. Then do check in, and notice and "
            "acknowledge the improvement when it comes. That last step is the one most often forgotten, and "
            "it is what makes the change stick."
        ),
        warning(
            "Know when to involve HR",
            "If the issue concerns conduct such as harassment or discrimination, possible health or wellbeing "
            "problems, or could lead to a formal process, speak to HR before the conversation. Informal "
            "feedback is not the right tool for everything.",
        ),
        check(
            "A team member's last three pieces of work have been late, and it is affecting a client. When and how "
            "should you raise it?",
            wrong(
                "Save it for the six-monthly review, so you can discuss it properly.",
                "By then the client relationship may be damaged, and your colleague has lost months in which they "
                "could have fixed it. Raise it soon after you notice the pattern.",
            ),
            wrong(
                "Send a brief chat message so it feels less confrontational.",
                "It may feel easier for you, but a short written message is easily misread and gives no chance "
                "to understand what is going on.",
            ),
            right(
                "Soon, in private, with specific examples and their impact, then ask for their view and agree next "
                "steps.",
                "Yes. Timely, private and specific, followed by genuine listening and a concrete plan: that gives "
                "the best chance of solving the problem and keeping the relationship.",
            ),
            wrong(
                "Mention it lightly in the team meeting so everyone knows the deadline matters.",
                "Raising an individual issue in front of the team embarrasses the person and leaves everyone "
                "else wondering who it is about. Give individual feedback in private.",
            ),
        ),
    ),
)

RECEIVING = LessonSpec(
    slug="receiving-feedback-well",
    title="Receiving feedback well",
    summary="Notice your reaction, listen to understand, ask for examples, then decide what to do with it.",
    minutes=10,
    body=(
        text(
            "Receiving feedback is a skill, and arguably a more important one than giving it: you can't control "
            "the feedback you get, but you can control what you do with it. People who handle feedback well get "
            "more of it, and learn faster as a result."
        ),
        heading("Notice your reaction"),
        text(
            "Feedback often triggers a strong reaction before we have even understood it. Stone and Heen describe "
            "three common triggers:",
            ul(
                "<b>Truth triggers</b>: the feedback seems wrong. “That's not what happened.”",
                "<b>Relationship triggers</b>: we react to who is giving it. “Who are you to tell me that?”",
                "<b>Identity triggers</b>: it shakes our sense of who we are. “I'm a good manager. Aren't I?”",
            ),
            "Naming the trigger, even silently, gives you a moment of distance. Take a breath. You don't have to "
            "respond immediately, and you don't have to agree.",
        ),
        heading("Listen to understand"),
        text(
            "Your first job is to understand what the person means, not to judge whether they are right. Ask "
            "questions that make the feedback more specific:",
            ul(
                "<i>“Can you give me an example?”</i>",
                "<i>“What would you have liked me to do instead?”</i>",
                "<i>“What effect did it have?”</i>",
            ),
            "Summarise what you heard to check you have got it: <i>“So the issue is less the content of my "
            "updates than the length, because people stop reading before the decisions?”</i>",
        ),
        heading("Thank them, then decide"),
        text(
            "Thank the person. Giving feedback takes effort and some courage, and your response decides whether "
            "they will do it again. Thanking them does not mean you agree.",
            "Then take time to decide what to do with it. Some feedback is spot on; some is partly right; some "
            "says more about the giver than about you. Look for patterns: if three people have said something "
            "similar, it deserves attention even if it feels unfair.",
        ),
        tip(
            "Ask for it, specifically",
            "“Any feedback?” usually gets “No, all good.” A specific question gets a real answer: <i>“What's one "
            "thing I could do to make our one-to-ones more useful for you?”</i> or <i>“Which part of the proposal "
            "was least convincing?”</i>",
        ),
        example(
            "Closing the loop",
            "A month after her manager mentioned that her project updates were too long, Priya sent a shorter "
            "format with the decisions at the top, and asked: “Is this closer to what you need?” The manager "
            "noticed the change, and the next conversation was about her promotion case, not her updates.",
        ),
        check(
            "A colleague tells you your presentations “lose people in the middle”. You feel it is unfair. What is "
            "the best first response?",
            wrong(
                "Explain why the middle section needed that level of detail.",
                "You may be right about the detail, but defending yourself straight away signals that you are not "
                "really listening, and you never find out what they noticed.",
            ),
            right(
                "Ask for an example of where they lost people, and what would have helped.",
                "Yes. Asking for specifics helps you understand the feedback before judging it, and shows that you "
                "take it seriously. You can decide what to do about it afterwards.",
            ),
            wrong(
                "Thank them and change nothing, since it is only one person's view.",
                "Thanking them is good, but dismissing the feedback without understanding it wastes it. One view "
                "can still be useful, especially if it matches others.",
            ),
            wrong(
                "Ask other people whether they agree with your colleague.",
                "Checking for patterns can help later, but doing it first, before you understand the feedback, "
                "can look like gathering support against the person who gave it.",
            ),
        ),
    ),
)

CULTURE = LessonSpec(
    slug="building-a-feedback-habit",
    title="Building a feedback habit in your team",
    summary="Make feedback small, frequent and normal: leaders go first, rituals help, and norms are explicit.",
    minutes=10,
    body=(
        text(
            "In teams where feedback works, it is not an event. It is small, frequent and expected, part of how "
            "the work gets done. Getting there takes deliberate effort, especially from whoever leads the team."
        ),
        heading("Leaders go first"),
        text(
            "If you manage people, ask for feedback before you give much of it, and respond well when you get it. "
            "Thank people publicly for challenging you, and show what you changed as a result. Amy Edmondson's "
            "research on <b>psychological safety</b>, the shared belief that it is safe to speak up and take "
            "interpersonal risks, shows how much team learning depends on it, and how much it depends on what "
            "the leader visibly does."
        ),
        heading("Build it into the rhythm of work"),
        text(
            ul(
                "<b>Regular one-to-ones</b>, weekly or fortnightly, with time for feedback in both directions.",
                "<b>Retrospectives</b> at the end of a project or a sprint: what went well, what to change, and one "
                "concrete improvement to try next time. A simple format is <i>start, stop, continue</i>.",
                "<b>Feedback on work in progress</b>, not just on finished work, when changes are still cheap.",
                "<b>Peer feedback</b>, not only from managers, because peers see more of the day-to-day work.",
            ),
        ),
        heading("Make appreciation specific and frequent"),
        text(
            "Recognition costs nothing and is chronically under-used. Be as specific about what went well as "
            "about what did not. Many teams keep a channel for thanking colleagues by name for something "
            "specific they did that week. Give praise in public if the person is comfortable with it, and "
            "coaching in private."
        ),
        heading("Agree norms across cultures"),
        text(
            "What counts as direct, polite or harsh varies a great deal between national and organisational "
            "cultures. Erin Meyer's <i>The Culture Map</i> shows how feedback that sounds mild in one country can "
            "sound brutal in another, and how a gentle hint can be missed entirely. In international teams, "
            "don't leave it to chance: talk about how each person likes to receive feedback, and agree team "
            "norms explicitly.",
        ),
        example(
            "A team feedback agreement",
            ul(
                "We give feedback within a week, in private if it is about improvement.",
                "We describe what we saw and its impact, not what we think of the person.",
                "We say thank you for feedback, and decide later what to do with it.",
                "We ask each other one feedback question at every one-to-one.",
                "We review this agreement every six months.",
            ),
        ),
        check(
            "You lead a new team and want feedback to become normal. What is the most effective first step?",
            wrong(
                "Announce that everyone should give each other more feedback from now on.",
                "An announcement sets an expectation but changes little on its own. People watch what leaders do, "
                "especially whether it is safe to speak up.",
            ),
            wrong(
                "Introduce a quarterly peer rating in which everyone scores each other.",
                "Formal ratings are evaluation, which triggers the strongest reactions. Starting there can make "
                "feedback feel riskier, not more normal.",
            ),
            right(
                "Ask the team for feedback on your own work, respond with thanks, and act on some of it visibly.",
                "Yes. Going first, and showing that honest feedback is welcomed and used, builds the "
                "psychological safety the habit depends on.",
            ),
        ),
    ),
)

COURSE = CourseSpec(
    slug="giving-and-receiving-feedback",
    title="Giving and receiving feedback",
    summary="Feedback people can use: make it specific, handle difficult conversations, receive it well and make it "
    "a team habit.",
    description=(
        "<p>Feedback is how people and teams get better, and it is one of the hardest things to do well. This "
        "course gives you a simple model for specific feedback, a structure for difficult conversations, ways to "
        "receive feedback without getting defensive, and practical habits that make feedback a normal part of "
        "your team's week.</p>"
        "<h3>You will learn to</h3>"
        "<ul><li>tell appreciation, coaching and evaluation apart</li>"
        "<li>use situation, behaviour and impact to make feedback specific</li>"
        "<li>prepare for and hold a difficult feedback conversation</li>"
        "<li>receive feedback well, and build a feedback habit in your team</li></ul>"
    ),
    level="intermediate",
    minutes=50,
    tags=("feedback", "management", "communication", "teams"),
    authors=("author",),
    palette=("#ffcdb2", "#6d597a", "#e5989b", "#fff4ee"),
    cover_alt="Abstract cover in plum and rose with soft overlapping circles",
    lessons=(WHY_FEEDBACK, SBI, DIFFICULT, RECEIVING, CULTURE),
)
