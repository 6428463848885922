import { type Script, sse } from '../test/fakes/fake-responses-api.ts'
import { textAnswer } from '../test/fakes/fake-responses-transcripts.ts'

/** ~300 characters of plain prose (no Markdown, so every renderer shows it as is). */
export const ANSWER =
  'Tides come from the pull of the Moon and the Sun on the oceans. The Moon is closer, so its pull ' +
  'matters more: water bulges toward it on the near side and away from it on the far side, and the ' +
  'Earth turns under both bulges. That is why most coasts see two high tides a day, about twelve ' +
  'hours and twenty five minutes apart.'

/** 50 tokens per second: one delta of about two characters every 20 ms, about 3 s per answer. */
export const answerScript = (): Script => sse(textAnswer(ANSWER, 150), { delayMs: 20 })
