"""Course: Running effective meetings."""

from __future__ import annotations

from .content import CourseSpec, LessonSpec, check, example, heading, note, ol, right, text, tip, ul, warning, wrong

NEED_A_MEETING = LessonSpec(
    slug="does-this-need-to-be-a-meeting",
    title="Does this need to be a meeting?",
    summary="Meetings are expensive. Learn the few jobs they do well, and what to use instead for the rest.",
    minutes=8,
    body=(
        text(
            "Meetings are the most expensive tool most organisations use without a second thought. Sending an "
            "invitation takes ten seconds; the meeting it creates can consume a whole working day of other "
            "people's time. Before you book the room, be clear about what the meeting is for, and whether a "
            "meeting is the best way to get it."
        ),
        heading("Work out what it costs"),
        text(
            "A rough sum is enough: <b>people × hours × cost per hour</b>. A weekly 60-minute status meeting "
            "with eight people, at a fully loaded cost of about £40 an hour each, costs around £320 a week, or "
            "roughly £15,000 a year. That is before you count the time people lose switching in and out of "
            "focused work around it.",
            "None of this means you should never meet. It means a meeting should earn its cost.",
        ),
        heading("Four good reasons to meet"),
        text(
            ul(
                "<b>To make a decision</b> that needs discussion between people who hold different information.",
                "<b>To unblock a problem</b> where written back-and-forth has stalled or gone round in circles.",
                "<b>To build working relationships</b>: project kick-offs, welcoming new colleagues, repairing "
                "trust after something has gone wrong.",
                "<b>To deliver difficult or sensitive news</b>, where people need to ask questions and see the "
                "faces of the people answering them.",
            ),
            "Notice what is missing from the list: sharing status updates. Information that flows in one "
            "direction is almost always better written down. People can read it when it suits them, at their "
            "own speed, and refer back to it later.",
        ),
        tip(
            "Try the written-first test",
            "If you could send the content as an email or a message in the team channel and ask for replies by "
            "Thursday, do that first. Meet only if the replies show real disagreement or confusion, and then "
            "invite just the people involved.",
        ),
        heading("Alternatives that often work better"),
        text(
            ul(
                "A short written update in a shared document or channel, ending with one clear question.",
                "A recorded five-minute walk-through for a demo, which people can watch at a time that suits them.",
                "A quick poll when you only need to gather preferences.",
                "A one-to-one call instead of a group meeting, when only two people really need to talk.",
            ),
            "If you do decide to meet, write one sentence that starts <i>“By the end of this meeting we will "
            "have…”</i>. If you cannot finish the sentence, you are not ready to send the invitation.",
        ),
        example(
            "From status call to written update",
            "A product team replaced its Monday 45-minute status call with a shared document. By 10:00 each "
            "person adds three lines: done, next, blocked. The team lead reads it, and only the blocked items "
            "become a 15-minute call with the people who can help. Between them, the team got back about five "
            "hours a week, and blockers were dealt with sooner, not later.",
        ),
        check(
            "Your team of six has a 30-minute weekly meeting in which each person reads out what they did last "
            "week. Nobody asks questions. What is the best change?",
            wrong(
                "Keep it, but cut it to 20 minutes.",
                "Shorter is better than longer, but it is still a one-way broadcast. If nobody needs to discuss "
                "anything, the meeting is not doing a meeting's job.",
            ),
            right(
                "Replace it with a written update, and meet only about items that need discussion.",
                "Right. One-way information travels better in writing: people read it when it suits them, and "
                "meeting time is saved for decisions and problems that need conversation.",
            ),
            wrong(
                "Invite the wider department so the information reaches more people.",
                "Wider reach is a good aim, but every extra person adds to the cost. A written update reaches "
                "more people for far less.",
            ),
            wrong(
                "Move it to Friday afternoon, when people are less busy.",
                "A different slot does not change the problem: the content does not need a meeting at all.",
            ),
        ),
    ),
)

AGENDAS = LessonSpec(
    slug="agendas-that-do-the-work",
    title="Agendas that do the work",
    summary="Turn a list of topics into a plan: outcomes, timings, the right people and reading sent in advance.",
    minutes=10,
    body=(
        text(
            "An agenda is not a list of topics. It is a plan for how a group will spend its time and what it "
            "will produce. <i>“Q3 budget”</i> is a topic. <i>“Agree which two projects to pause so we stay within "
            "the Q3 budget”</i> is an agenda item: everyone knows what they are there to do, and everyone can "
            "tell when it is done."
        ),
        heading("Write each item as an outcome"),
        text(
            "For every item, say what kind of result you need. Three labels cover almost everything:",
            ul(
                "<b>Decide</b>: choose between options. Name the options in the agenda.",
                "<b>Discuss</b>: gather views that will inform a decision someone makes later. Say who "
                "decides, and when.",
                "<b>Inform</b>: share something people need to know. Keep it short, or move it into the "
                "reading sent beforehand.",
            ),
            "The labels help the chair as much as the attendees. A “discuss” item that drifts into deciding, "
            "or a “decide” item that ends without a decision, is easy to spot and easy to name.",
        ),
        heading("Put times against items, and order them with care"),
        text(
            "Give each item a time and make the total a few minutes shorter than the slot, leaving five minutes "
            "at the end to confirm actions. Put the item that needs the most thought first, not last: people "
            "are sharpest at the start, and the last item is always the one that gets squeezed."
        ),
        example(
            "A one-hour agenda",
            "<b>Purpose:</b> agree the launch date for the customer portal.",
            ol(
                "5 min · Where we are: a summary of the paper (Priya)",
                "25 min · Decide: launch on 3 June with reduced scope, or on 1 July with full scope (all)",
                "15 min · Discuss: the main risks for the date we choose (all)",
                "10 min · Inform: the support rota for launch week (Tom)",
                "5 min · Actions, owners and dates (chair)",
            ),
        ),
        heading("Send it early, with the reading"),
        text(
            "Send the agenda with the invitation, or at least one working day before. Link the paper and say "
            "how long it takes to read (“about ten minutes”). Be realistic: if nobody will read thirty pages, "
            "write a one-page summary that will be read. Some teams open important meetings with ten minutes "
            "of silent reading, which is far better than everyone pretending to have read it."
        ),
        heading("Invite the people the outcome needs"),
        text(
            "Invite the person who will make the decision, the people who hold the information, and the people "
            "who will do the work. Everyone else can read the notes. Mark people as optional when they are, and "
            "say why each required person is needed: if you cannot explain it, they probably are not."
        ),
        tip(
            "Put the purpose in the invitation title",
            "“Decide portal launch date” tells people far more than “Portal catch-up”, and helps them judge "
            "whether they need to come, and what to prepare.",
        ),
        check(
            "Which of these is the most useful agenda item?",
            wrong(
                "Marketing update",
                "This is a topic, not an outcome. Nobody can tell whether they need to prepare, decide or just "
                "listen, or when the item is finished.",
            ),
            right(
                "Decide: run the spring campaign on social media only, or on social plus print (20 min)",
                "Yes. It names the kind of outcome, the options on the table and the time allowed, so people "
                "arrive ready and the chair knows when the item is done.",
            ),
            wrong(
                "Any other business",
                "AOB invites unplanned topics at the end, when people are tired and short of time. Ask for items "
                "in advance instead, and add them to the agenda properly.",
            ),
            wrong(
                "Discuss the campaign",
                "Discuss to what end? Without a stated outcome, a discussion tends to run until the time runs "
                "out, and then stop without a result.",
            ),
        ),
    ),
)

CHAIRING = LessonSpec(
    slug="chairing-the-meeting",
    title="Chairing the meeting",
    summary="Open with purpose, hear from everyone, keep to the point and close every item with a clear result.",
    minutes=12,
    body=(
        text(
            "A good chair is not the person who talks most. It is the person who makes sure the meeting does "
            "what it set out to do, and that everyone who needs to contribute gets the chance. You do not need "
            "to be the most senior person in the room to chair well; in many teams it works better if you "
            "are not."
        ),
        heading("Share out the jobs"),
        text(
            ul(
                "<b>Chair</b>: keeps the meeting on purpose, brings people in and closes each item.",
                "<b>Note-taker</b>: records decisions, actions and open questions, not a transcript.",
                "<b>Timekeeper</b>: gives a nudge when an item is near its time, so the chair does not have to "
                "watch the clock as well as the room.",
            ),
            "For a small meeting one person can do two of these, but rarely all three. Rotating the roles "
            "spreads the skills, and stops note-taking from always falling to the same people.",
        ),
        heading("Open well"),
        text(
            "Start on time, even if someone is missing: waiting rewards lateness and punishes the people who "
            "arrived. In the first two minutes, restate the purpose, the outcome you need and the timings. "
            "Then check that the agenda still makes sense. It takes thirty seconds and saves ten minutes of "
            "drift later."
        ),
        heading("Hear from everyone, not just the loudest"),
        text(
            "In most meetings a few people do most of the talking. That is not the same as the best ideas "
            "being heard. A few techniques help:",
            ul(
                "Ask people to <b>write their view first</b>, in the chat or on a sticky note, then share. "
                "This stops the first speaker from setting the direction for everyone else.",
                "Go <b>round the table</b> on important questions, so that everyone is asked directly.",
                "Bring quieter people in by name, with an easy opening: <i>“Amal, you worked on the last "
                "rollout. What did we learn that applies here?”</i>",
                "Redirect dominant voices politely: <i>“Thanks, Mark, that's clear. I'd like to hear from "
                "people who haven't spoken yet.”</i>",
            ),
        ),
        warning(
            "Don't let the most senior person speak first",
            "When a decision is on the table, people tend to anchor on the first opinion they hear, especially "
            "if it comes from the boss. Ask the most senior person to speak last, and say why: it is a kindness "
            "to them as well as to the room.",
        ),
        heading("Keep to the point, and close each item"),
        text(
            "When the conversation wanders, keep a visible <b>parking list</b> and put the new topic on it. The "
            "person who raised it feels heard, and the meeting keeps moving. At the end, agree how each parked "
            "item will be picked up.",
            "Before moving on, close the item out loud: <i>“So we've agreed to launch on 1 July with the full "
            "scope, and Priya will tell the sales team by Friday. Is that everyone's understanding?”</i> The "
            "short pause that follows is where misunderstandings surface, while they are still cheap to fix.",
        ),
        check(
            "A colleague keeps returning to a topic that is not on the agenda. What is the best response?",
            wrong(
                "Ignore it and hope they stop.",
                "Ignoring it usually makes people repeat themselves more insistently, and others notice that "
                "the meeting has lost its thread.",
            ),
            right(
                "Acknowledge it, add it to a parking list, and agree at the end how it will be picked up.",
                "Right. The person feels heard, the meeting keeps to its purpose, and the topic does not get "
                "lost, because the parking list is reviewed before everyone leaves.",
            ),
            wrong(
                "Let them finish, since the topic seems important to them.",
                "Their point may well matter, but spending the meeting on it means the items everyone prepared "
                "for are squeezed or dropped.",
            ),
            wrong(
                "Tell them firmly that the point is off-topic.",
                "It keeps the meeting on track, but it can shut people down, and the issue may resurface "
                "somewhere less helpful. Parking it does the same job more kindly.",
            ),
        ),
    ),
)

HYBRID = LessonSpec(
    slug="hybrid-and-remote-meetings",
    title="Hybrid and remote meetings",
    summary="Design meetings for the person furthest from the room, so that everyone can take part equally.",
    minutes=10,
    body=(
        text(
            "Fully remote meetings are awkward in familiar ways: people talk over each other, cameras freeze, "
            "someone is on mute. Hybrid meetings, with some people in a room and others joining online, have a "
            "subtler problem. They create two classes of participant. The people in the room chat before the "
            "start, read each other's faces and carry on the conversation in the corridor afterwards. The "
            "people online get a distant wide shot and a sound feed that drops whenever someone turns away "
            "from the microphone."
        ),
        heading("Design for the person furthest away"),
        text(
            "The simplest rule is to plan the meeting around the experience of whoever is joining remotely. If "
            "it works for them, it will work for the room. In practice that means:",
            ul(
                "<b>One person, one screen.</b> If anyone is remote, everyone joins the call from their own "
                "laptop, so every face is the same size and the chat and hand-raise work for all. Use the "
                "room's microphone and speakers for audio, with laptop audio off, to avoid echo.",
                "<b>Name a remote co-chair</b> who watches the chat and raised hands and brings people in.",
                "<b>Share documents, not screens</b>, when the group is working on something together, so "
                "everyone can follow, point and edit.",
                "<b>Summarise side conversations</b> out loud. If people in the room say “as we discussed "
                "earlier”, the people online were not there.",
            ),
        ),
        tip(
            "Test the room before the first meeting",
            "Five minutes in the room with a colleague joining from home will tell you whether people at the "
            "far end of the table can be heard, and whether the whiteboard is readable on camera. It is much "
            "easier than finding out with twelve people waiting.",
        ),
        heading("Agree norms, and write them down"),
        text(
            "Teams work better when the expectations are explicit rather than guessed. A few lines in the team "
            "space are enough, for example:",
            ul(
                "Cameras on for discussions and workshops where possible; off is fine for large briefings, or "
                "when someone needs it. Nobody has to explain why.",
                "Use the raise-hand button to speak, and the chat for links and quick agreement.",
                "Meetings end five minutes before the hour, so people have a break before the next one.",
                "Recordings only with everyone's agreement, announced at the start, and deleted when no longer needed.",
            ),
        ),
        heading("Respect time zones"),
        text(
            "In international teams, someone is always joining early in the morning or late in the evening. "
            "Rotate the inconvenient slots so the same people do not always carry the cost, avoid booking over "
            "lunch in any of the time zones involved, and keep a written record so that nobody has to attend "
            "live just to stay informed."
        ),
        note(
            "Breaks are not optional",
            "Concentration on video calls fades faster than in person. For anything longer than an hour, plan "
            "a ten-minute break and keep to it. Back-to-back calls with no gap are a planning failure, not a "
            "sign of commitment.",
        ),
        check(
            "In a hybrid meeting, six people are in the room and three join online. Which practice does most to "
            "include the three remote colleagues?",
            wrong(
                "Point the room camera at the whiteboard so they can see the notes.",
                "Seeing the notes helps a little, but remote colleagues still cannot see faces clearly, be "
                "heard easily or join in on equal terms.",
            ),
            wrong(
                "Ask the remote colleagues to keep their microphones muted to avoid noise.",
                "Muting by default reduces echo but also makes it harder for remote people to speak up. The "
                "aim is for them to take part, not just to listen.",
            ),
            right(
                "Everyone joins the call from their own device, and a named person watches the chat and raised hands.",
                "Yes. Equal-sized faces and a shared chat put everyone in the same meeting, and a named co-chair "
                "makes sure remote voices are actually brought in.",
            ),
            wrong(
                "Send the remote colleagues the notes afterwards instead.",
                "Notes are useful, but this turns participants into readers. If they were needed for the "
                "outcome, they need to take part in the discussion.",
            ),
        ),
    ),
)

FOLLOW_UP = LessonSpec(
    slug="decisions-actions-and-follow-up",
    title="Decisions, actions and follow-up",
    summary="A meeting's value arrives afterwards: record decisions, give every action an owner and a date.",
    minutes=10,
    body=(
        text(
            "The value of a meeting is not created in the room. It is created afterwards, when people act on "
            "what was agreed. Most of the frustration people feel about meetings, such as “we discussed this "
            "last month” or “I thought you were doing that”, comes from weak follow-up rather than from the "
            "meeting itself."
        ),
        heading("Record decisions explicitly"),
        text(
            "When a decision is made, say it out loud and write it down in a form that would make sense to "
            "someone who was not there: what was decided, who decided, and any conditions. <i>“Launch on 1 "
            "July with full scope. Decided by Priya (product lead) after discussion with engineering and "
            "support. Revisit if the payment provider misses its 31 May deadline.”</i>",
            "If the group could not decide, record that too, with what is needed to decide and by when. An "
            "honest “not decided” is far more useful than a vague summary that people remember differently.",
        ),
        heading("Give every action an owner and a date"),
        text(
            "A well-written action has three parts:",
            ul(
                "<b>One owner</b>, a named person. “The team” or “marketing” is nobody.",
                "<b>A date</b> by which it will be done.",
                "<b>What done looks like</b>, so the owner and everyone else agree when it is finished.",
            ),
            "The owner does not have to do all of the work, but they are the person who makes sure it happens "
            "and who reports back.",
        ),
        example(
            "Notes that take five minutes to read",
            "<b>Customer portal launch · 12 May</b>",
            "<b>Decided:</b> launch on 1 July with full scope (Priya). Revisit if the payment provider misses 31 May.",
            "<b>Actions:</b>",
            ul(
                "Tom: send the revised support rota to team leads by Wednesday 14 May.",
                "Amal: confirm the payment provider's test date in writing by Friday 16 May.",
                "Priya: brief the sales team on the new date at Monday's stand-up.",
            ),
            "<b>Open questions:</b> do we need a freeze on other releases in launch week? (Tom to propose.)",
        ),
        heading("Send the notes within a day"),
        text(
            "Send the notes the same day if you can, and within 24 hours at most. Keep them short: decisions, "
            "actions and open questions, not a transcript of who said what. Store them where people will look, "
            "such as the team's shared space or the channel for the project, rather than in one person's inbox."
        ),
        heading("Review actions, and review the meeting itself"),
        text(
            "Start the next meeting by running through the open actions. It takes a few minutes, and it is "
            "the main reason actions get done.",
            "For recurring meetings, ask every quarter: is this meeting still needed? Are these still the right "
            "people? Could it be shorter or less frequent? Meetings are easy to start and surprisingly hard to "
            "stop, so build in the question.",
        ),
        tip(
            "Disagree, then commit",
            "Not everyone will agree with every decision. Invite disagreement before the decision is made. "
            "Once it is made, ask everyone to support it in public, even if they argued against it in the room.",
        ),
        check(
            "Which of these actions is written best?",
            wrong(
                "Finance to look into supplier costs.",
                "“Finance” is not a person, “look into” has no clear end point, and there is no date. Nobody can "
                "tell when it is done, or who to ask.",
            ),
            wrong(
                "Tom and Amal to sort out the supplier shortlist ASAP.",
                "Two owners often means no owner, and “ASAP” means different things to different people.",
            ),
            right(
                "Tom to send the revised supplier shortlist to the finance team by Wednesday 14 May.",
                "Yes: one named owner, a concrete result (the shortlist sent to a named team) and a date. "
                "Anyone can check whether it has been done.",
            ),
        ),
    ),
)

COURSE = CourseSpec(
    slug="running-effective-meetings",
    title="Running effective meetings",
    summary="Fewer, shorter, better meetings: when to meet, how to plan and chair, and how to make decisions stick.",
    description=(
        "<p>Most of us spend hours a week in meetings, and most of us think many of them could be better. This "
        "course gives you practical habits for every stage: deciding whether to meet at all, writing an agenda "
        "that does the work, chairing so that everyone is heard, running hybrid meetings fairly, and making sure "
        "decisions turn into action.</p>"
        "<h3>You will learn to</h3>"
        "<ul><li>tell when a meeting is the right tool, and what to use instead</li>"
        "<li>write agendas as outcomes, with timings and the right people</li>"
        "<li>chair confidently, including in hybrid meetings</li>"
        "<li>record decisions and actions so that they happen</li></ul>"
    ),
    level="beginner",
    minutes=50,
    tags=("meetings", "communication", "management", "productivity"),
    authors=("author",),
    palette=("#f6d5b8", "#e76f51", "#2a9d8f", "#fdf3e7"),
    cover_alt="Abstract cover in warm orange and teal with overlapping circles",
    lessons=(NEED_A_MEETING, AGENDAS, CHAIRING, HYBRID, FOLLOW_UP),
)
